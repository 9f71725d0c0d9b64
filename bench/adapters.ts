/**
 * The adapter section of `npm run bench` (run by default; `--adapters-only` runs just this):
 * `authenticate()` with a valid opaque session cookie where the session store and the user
 * store are real backends, with the number of backend round trips per request COUNTED
 * (see bench/adapter-cases.ts) and printed beside the time.
 *
 *  - Node (timed in-process like the core Node cases): memory; SQLite through better-sqlite3
 *    on a temp file; PostgreSQL (own schema `portcullis_bench_<random>`, migrated with
 *    migratePostgres, dropped at the end); Redis over TCP (own key prefix, deleted at the end)
 *    and Upstash REST through test/helpers/upstash-server.ts (a local stand-in REST server in
 *    this process that runs every command on the local Redis), both for sessions, with users
 *    in memory.
 *  - workerd (bench/worker-adapters.ts in Miniflare, timed from Node as (t(N2)-t(N1))/(N2-N1)
 *    like the core workerd cases): memory; D1; KV sessions + memory users; Durable Object
 *    sessions + memory users.
 *
 * A backend that is not reachable or fails to set up gives a "skipped: ..." row; it never fails the run.
 */
import { once } from "node:events";
import { connect, createConnection, type Socket } from "node:net";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres, { type Sql } from "postgres";
import { Redis } from "@upstash/redis";
import { memoryStores } from "../src/adapters/memory/index.js";
import { migratePostgres } from "../src/adapters/postgres/migrate.js";
import { postgresStores } from "../src/adapters/postgres/index.js";
import { createRedisClient, redisStores, type RedisClient } from "../src/adapters/redis/index.js";
import { migrateSQLite, sqliteStores, type BetterSQLite3DatabaseLike } from "../src/adapters/sqlite/index.js";
import { upstashStores } from "../src/adapters/upstash/index.js";
import { POSTGRES_URL, REDIS_URL } from "../test/helpers/services.js";
import { startUpstashServer, type UpstashTestServer } from "../test/helpers/upstash-server.js";
import { adapterCase, countingSQL, summarize, tableOf, type AdapterCase, type RoundTrips } from "./adapter-cases.js";
import { loop } from "./cases.js";
import { log, median, mad, pairedRatio, now, errorText, calibrate } from "./stats.js";
import { startBenchWorker, type BenchWorker } from "./worker-host.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

export interface AdapterSettings {
  quick: boolean;
  compatibilityDate: string;
  /** --adapters=a,b: only these rows (memory is always kept: every ratio is relative to it). null: all. */
  filter: string[] | null;
}

const wanted = (settings: AdapterSettings, name: string): boolean => settings.filter === null || name === "memory" || settings.filter.includes(name);

/**
 * settleMs: an idle pause before each timed sample. Rows disturb the row timed after them (garbage
 * from HTTP and driver work in Node; background work of Miniflare's local D1 and KV in workerd): without
 * the pause, in runs on a 2-vCPU VM, the memory rows measured about 1.5x their solo time and the
 * Durable Object row almost 2x; with it, within noise of their solo times.
 */
const nodeSettings = (quick: boolean) => ({ warmupMs: quick ? 120 : 300, batchMs: quick ? 15 : 40, rounds: quick ? 7 : 21, settleMs: quick ? 10 : 40 });
const workerdSettings = (quick: boolean) => ({ targetMs: quick ? 60 : 120, rounds: quick ? 5 : 15, settleMs: quick ? 30 : 100 });
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface AdapterRow {
  name: string;
  label: string;
  network: boolean;
  counts: string;
  /** Median ns per authenticate(). */
  ns: number;
  spread: number;
  best: number;
  samples: number[];
  perRound: number;
  rejectsForgery: boolean;
  roundTrips: RoundTrips;
  /** Extra remarks (cross-checks of the count). */
  remarks: string[];
}

export interface AdapterSection {
  runtime: "node" | "workerd";
  version: string;
  how: string;
  rows: AdapterRow[];
  skipped: { name: string; label: string; reason: string }[];
  seconds: number;
}


function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
  });
}

const hostPort = (url: string, defaultPort: number): { host: string; port: number } => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || defaultPort) };
};

// ---------------------------------------------------------------------------
// Node cases: each returns the case and its clean-up, or throws (the row is then "skipped: ...").

interface Built {
  c: AdapterCase;
  cleanup: () => Promise<void>;
  /** Called after round trips were counted: a cross-check against the backend's own count. */
  crossCheck?: (rt: RoundTrips) => string | null;
}

const suffix = (): string => crypto.randomUUID().replaceAll("-", "").slice(0, 10);

async function memoryCase(): Promise<Built> {
  const stores = memoryStores();
  const c = await adapterCase({
    name: "memory",
    label: "memory: users + sessions in memory",
    network: false,
    counts: "nothing: no backend",
    stores,
    instrumented: () => stores,
  });
  return { c, cleanup: async () => {} };
}

async function sqliteCase(): Promise<Built> {
  const dir = await mkdtemp(join(tmpdir(), "portcullis-bench-sqlite-"));
  const cleanup = async (): Promise<void> => {
    db?.close();
    await rm(dir, { recursive: true, force: true });
  };
  let db: (BetterSQLite3DatabaseLike & { close(): void }) | undefined;
  try {
    db = new Database(join(dir, "bench.db")) as unknown as BetterSQLite3DatabaseLike & { close(): void };
    migrateSQLite(db);
    const file = db;
    const c = await adapterCase({
      name: "sqlite",
      label: "sqlite: users + sessions (better-sqlite3, temp file, in-process)",
      network: false,
      counts: "in-process statements (get/all/run/iterate on a better-sqlite3 statement); 0 network round trips",
      stores: sqliteStores(file),
      instrumented: (record) => sqliteStores(countingSQL(file, record, ["get", "all", "run", "iterate"])),
    });
    return { c, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Frontend message types, for labelling what one write to the PostgreSQL socket carried. */
const PG_MESSAGES: Record<string, string> = { P: "Parse", D: "Describe", B: "Bind", E: "Execute", Q: "Query", C: "Close", S: "Sync", H: "Flush" };

function pgWriteLabel(chunk: unknown): string {
  const bytes = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
  const names: string[] = [];
  for (let at = 0; at + 5 <= bytes.length; at += 1 + bytes.readInt32BE(at + 1)) {
    const name = PG_MESSAGES[String.fromCharCode(bytes[at]!)] ?? String.fromCharCode(bytes[at]!);
    if (name !== "Sync" && name !== "Flush") names.push(name);
  }
  return names.join("+") || "Sync";
}

async function postgresCase(): Promise<Built> {
  const { host, port } = hostPort(POSTGRES_URL, 5432);
  if (!(await reachable(host, port))) throw new Error(`PostgreSQL not reachable at ${host}:${port}`);
  const schema = `portcullis_bench_${suffix()}`;
  const quiet = (): void => {};
  const admin = postgres(POSTGRES_URL, { max: 1, connect_timeout: 5, onnotice: quiet });
  const clients: Sql[] = [];
  const client = (options: postgres.Options<Record<string, postgres.PostgresType>> = {}): Sql => {
    // One connection per client: every request of the timed client runs on the same (warm) connection.
    const sql = postgres(POSTGRES_URL, { max: 1, connect_timeout: 5, onnotice: quiet, connection: { search_path: schema, application_name: "portcullis_bench" }, ...options });
    clients.push(sql);
    return sql;
  };
  let created = false;
  const cleanup = async (): Promise<void> => {
    for (const sql of clients) await sql.end({ timeout: 5 }).catch(() => {});
    if (created) await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`.catch((error: unknown) => log(`postgres: could not drop ${schema}: ${errorText(error)}`));
    await admin.end({ timeout: 5 }).catch(() => {});
  };
  try {
    await admin`CREATE SCHEMA ${admin(schema)}`;
    created = true;
    const timed = client();
    await migratePostgres(timed, { migrationsSchema: schema });
    let counted: Sql | undefined;
    const c = await adapterCase({
      name: "postgres",
      label: `postgres: users + sessions (postgres.js, ${host}:${port})`,
      network: true,
      counts:
        "one flight on the PostgreSQL socket (one write the client then waits on: Bind+Execute of a prepared statement, or Parse+Describe when a connection first sees it); queries from postgres.js's debug hook",
      stores: postgresStores(drizzle(timed)),
      instrumented(record) {
        counted = client({
          // Every query postgres.js builds (whatever the number of round trips it takes).
          debug: (_connection: number, query: string) => record(`query ${tableOf(query)}`, "note"),
          // Our own socket, so each write to the server is seen.
          socket: async () => {
            const socket: Socket = connect({ host, port });
            await once(socket, "connect");
            const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
            (socket as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => (record(pgWriteLabel(args[0])), write(...args));
            return socket;
          },
        });
        return postgresStores(drizzle(counted));
      },
      // Open the counted client's connection first: connecting (startup, auth, type fetch) is not
      // part of a request, but preparing the statements on a fresh connection is, and shows as "first".
      beforeFirst: async () => void (await counted!`SELECT 1`),
    });
    return { c, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function deleteByPrefix(client: RedisClient, prefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = (await client.send(["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000"])) as [string, string[]];
    cursor = next;
    if (keys.length > 0) deleted += Number(await client.send(["DEL", ...keys]));
  } while (cursor !== "0");
  return deleted;
}

async function redisCase(): Promise<Built> {
  const { host, port } = hostPort(REDIS_URL, 6379);
  if (!(await reachable(host, port))) throw new Error(`Redis not reachable at ${host}:${port}`);
  const prefix = `portcullis_bench_${suffix()}:`;
  const client = createRedisClient(REDIS_URL);
  const cleanup = async (): Promise<void> => {
    await deleteByPrefix(client, prefix).catch((error: unknown) => log(`redis: could not delete ${prefix}*: ${errorText(error)}`));
    await client.close();
  };
  try {
    await client.send(["PING"]);
    const memory = memoryStores();
    const c = await adapterCase({
      name: "redis",
      label: `redis TCP ${host}:${port}: sessions; users in memory`,
      network: true,
      counts: "one command sent on the client (send()); commands are awaited one by one, so each is a round trip",
      stores: { ...memory, sessions: redisStores(client, { prefix }).sessions },
      instrumented: (record) => ({
        ...memory,
        sessions: redisStores({ send: (args) => (record(args[0] ?? "?"), client.send(args)) }, { prefix }).sessions,
      }),
    });
    return { c, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function upstashCase(): Promise<Built> {
  const { host, port } = hostPort(REDIS_URL, 6379);
  if (!(await reachable(host, port))) throw new Error(`Redis not reachable at ${host}:${port} (the local Upstash stand-in runs its commands there)`);
  const prefix = `portcullis_bench_${suffix()}:`;
  const token = `bench-${crypto.randomUUID()}`;
  const raw = createRedisClient(REDIS_URL);
  let server: UpstashTestServer | undefined;
  const cleanup = async (): Promise<void> => {
    await deleteByPrefix(raw, prefix).catch((error: unknown) => log(`upstash: could not delete ${prefix}*: ${errorText(error)}`));
    await raw.close();
    await server?.close();
  };
  try {
    server = await startUpstashServer({ redisUrl: REDIS_URL, token });
    const srv = server;
    const redis = new Redis({ url: srv.url, token, enableTelemetry: false });
    const memory = memoryStores();
    const realFetch = globalThis.fetch;
    let before = 0;
    const c = await adapterCase({
      name: "upstash",
      label: "upstash REST, LOCAL STAND-IN server -> local Redis: sessions; users in memory",
      network: true,
      counts: "one fetch() to the REST endpoint (one command per HTTP request), cross-checked with the requests the server saw. The endpoint is test/helpers/upstash-server.ts, a local stand-in for Upstash running in this process (HTTP -> JSON -> the local Redis over TCP), not Upstash",
      stores: { ...memory, sessions: upstashStores(redis, { prefix }).sessions },
      instrumented(record) {
        // Installed only while the two counted requests run (removed in afterCounted), so the timed client is untouched.
        globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
          const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
          if (url.startsWith(srv.url)) {
            let command = "?";
            try {
              command = String((JSON.parse(String(init?.body)) as unknown[])[0]);
            } catch {
              /* not a single command */
            }
            record(`POST ${new URL(url).pathname} ${command}`);
          }
          return realFetch(input, init);
        };
        return { ...memory, sessions: upstashStores(new Redis({ url: srv.url, token, enableTelemetry: false }), { prefix }).sessions };
      },
      beforeFirst: async () => void (before = srv.requests),
      afterCounted: () => void (globalThis.fetch = realFetch),
    });
    return {
      c,
      cleanup,
      crossCheck: (rt) => {
        const seen = srv.requests - before;
        const counted = rt.first.length + rt.warm.length;
        return seen === counted ? null : `server saw ${seen} requests for the 2 counted ones, fetch count says ${counted}`;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

const NODE_CASES: { name: string; label: string; build: () => Promise<Built> }[] = [
  { name: "memory", label: "memory: users + sessions in memory", build: memoryCase },
  { name: "sqlite", label: "sqlite: users + sessions (better-sqlite3, temp file, in-process)", build: sqliteCase },
  { name: "postgres", label: "postgres: users + sessions", build: postgresCase },
  { name: "redis", label: "redis TCP: sessions; users in memory", build: redisCase },
  { name: "upstash", label: "upstash REST, LOCAL STAND-IN server -> local Redis: sessions; users in memory", build: upstashCase },
];

async function checkCase(c: AdapterCase): Promise<{ rejectsForgery: boolean; roundTrips: RoundTrips }> {
  const it = c.prepare();
  await loop(it, 20);
  if (!it.ok(await it.run())) throw new Error(`${c.name}: the first call did not authenticate; refusing to time it`);
  const rejectsForgery = await c.rejectsForgery();
  if (!rejectsForgery) throw new Error(`${c.name}: a forged cookie was accepted; refusing to time it`);
  return { rejectsForgery, roundTrips: await c.roundTrips() };
}

export async function benchAdaptersNode(settings: AdapterSettings): Promise<AdapterSection> {
  const started = performance.now();
  const NODE = nodeSettings(settings.quick);
  const built: Built[] = [];
  const skipped: AdapterSection["skipped"] = [];
  const prepared: { b: Built; row: AdapterRow; it: ReturnType<AdapterCase["prepare"]>; batch: number }[] = [];
  try {
    for (const spec of NODE_CASES.filter((c) => wanted(settings, c.name))) {
      let b: Built;
      try {
        b = await spec.build();
      } catch (error) {
        skipped.push({ name: spec.name, label: spec.label, reason: errorText(error) });
        continue;
      }
      built.push(b);
      try {
        const check = await checkCase(b.c);
        const remark = b.crossCheck?.(check.roundTrips);
        const it = b.c.prepare();
        let n = 4;
        let warmed = 0;
        const warmStart = performance.now();
        while (performance.now() - warmStart < NODE.warmupMs) {
          await loop(it, n);
          warmed += n;
          n = Math.min(n * 2, 1024);
        }
        const batch = Math.max(3, Math.round(NODE.batchMs / ((performance.now() - warmStart) / warmed)));
        prepared.push({
          b,
          it,
          batch,
          row: {
            name: b.c.name,
            label: b.c.label,
            network: b.c.network,
            counts: b.c.counts,
            ns: 0,
            spread: 0,
            best: 0,
            samples: [],
            perRound: batch,
            rejectsForgery: check.rejectsForgery,
            roundTrips: check.roundTrips,
            remarks: remark ? [remark] : [],
          },
        });
      } catch (error) {
        skipped.push({ name: spec.name, label: b.c.label, reason: errorText(error) });
      }
    }
    log(`adapters/node: ${prepared.length} backends checked and warmed${skipped.length ? `, ${skipped.length} skipped` : ""}; ${NODE.rounds} rounds`);
    for (let round = 0; round < NODE.rounds; round++) {
      const order = round % 2 === 0 ? prepared : [...prepared].reverse();
      for (const p of order) {
        await pause(NODE.settleMs);
        const t0 = now();
        await loop(p.it, p.batch);
        p.row.samples.push(Number(now() - t0) / p.batch);
      }
    }
    for (const { row } of prepared) {
      row.ns = median(row.samples);
      row.spread = mad(row.samples);
      row.best = Math.min(...row.samples);
    }
  } finally {
    for (const b of built) await b.cleanup().catch((error: unknown) => log(`adapters/node: clean-up of ${b.c.name} failed: ${errorText(error)}`));
  }
  return {
    runtime: "node",
    version: `Node ${process.version}`,
    how: `in-process, median of ${NODE.rounds} batches (~${NODE.batchMs} ms each, ${NODE.settleMs} ms idle before each) after warm-up, rounds interleaved`,
    rows: prepared.map((p) => p.row),
    skipped,
    seconds: (performance.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------
// workerd

const WORKERD_CASES = [
  { name: "memory", label: "memory: users + sessions in memory" },
  { name: "d1", label: "d1: users + sessions (Miniflare local)" },
  { name: "kv", label: "kv: sessions; users in memory (Miniflare local)" },
  { name: "durable-object", label: "durable-object: sessions; users in memory (Miniflare local)" },
];

async function sqliteMigrations(): Promise<{ name: string; queries: string[] }[]> {
  const dir = join(root, "migrations", "sqlite");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  return Promise.all(
    files.map(async (name) => ({
      name,
      queries: (await readFile(join(dir, name), "utf8"))
        .split("--> statement-breakpoint")
        .map((q) => q.trim())
        .filter((q) => q.length > 0),
    })),
  );
}

export async function benchAdaptersWorkerd(settings: AdapterSettings, version: string): Promise<AdapterSection> {
  const started = performance.now();
  const WORKERD = workerdSettings(settings.quick);
  const skipped: AdapterSection["skipped"] = [];
  const rows: AdapterRow[] = [];
  let worker: BenchWorker | null = null;
  const done = (): AdapterSection => ({
    runtime: "workerd",
    version,
    how: `Miniflare; timed from Node over a direct socket, median over ${WORKERD.rounds} rounds of (t(N2)-t(N1))/(N2-N1), ${WORKERD.settleMs} ms idle before each; the fit cancels the fixed cost of a /run request`,
    rows,
    skipped,
    seconds: (performance.now() - started) / 1000,
  });
  try {
    worker = await startBenchWorker({
      name: "bench-adapters",
      entry: { file: "bench/worker-adapters.ts" },
      compatibilityDate: settings.compatibilityDate,
      miniflare: {
        d1Databases: ["DB"],
        kvNamespaces: ["KV"],
        // The class is exported by the bundled worker (bench/worker-adapters.ts), as in test/workers/store-worker.ts.
        durableObjects: { PORTCULLIS: { className: "PortcullisStore", useSQLite: true } },
      },
    });
    const { call } = worker;
    const setup = await call("/setup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ migrations: await sqliteMigrations() }) });
    if (setup.status !== 200) throw new Error(`/setup: ${setup.status} ${setup.body}`);
    const listed = JSON.parse(setup.body) as { cases: { name: string; label: string; network: boolean; counts: string }[]; skipped: AdapterSection["skipped"] };
    skipped.push(...listed.skipped);
    const checked = await call("/check");
    if (checked.status !== 200) throw new Error(`/check: ${checked.status} ${checked.body}`);
    const checks = JSON.parse(checked.body) as { name: string; ok: boolean; rejectsForgery: boolean; roundTrips: RoundTrips }[];

    const work: { row: AdapterRow; n1: number; n2: number; t1s: number[]; t2s: number[] }[] = [];
    for (const c of listed.cases.filter((x) => wanted(settings, x.name))) {
      const check = checks.find((x) => x.name === c.name)!;
      if (!check.ok || !check.rejectsForgery) {
        skipped.push({ name: c.name, label: c.label, reason: !check.ok ? "did not authenticate; refusing to time it" : "accepted a forged cookie; refusing to time it" });
        continue;
      }
      try {
        const { n1, n2 } = await calibrate(
          async (n) => {
            const r = await call(`/run?case=${c.name}&n=${n}`);
            if (r.status !== 200) throw new Error(`/run: ${r.status} ${r.body}`);
            return r.ms;
          },
          { startN: 8, minBusyMs: 20, maxN: 1 << 20, targetMs: WORKERD.targetMs },
        );
        const row: AdapterRow = {
          name: c.name,
          label: c.label,
          network: c.network,
          counts: c.counts,
          ns: 0,
          spread: 0,
          best: 0,
          samples: [],
          perRound: n2,
          rejectsForgery: check.rejectsForgery,
          roundTrips: check.roundTrips,
          remarks: [],
        };
        work.push({ row, n1, n2, t1s: [], t2s: [] });
      } catch (error) {
        skipped.push({ name: c.name, label: c.label, reason: errorText(error) });
      }
    }
    log(`adapters/workerd: ${work.length} backends checked and calibrated${skipped.length ? `, ${skipped.length} skipped` : ""}; ${WORKERD.rounds} rounds`);
    for (let round = 0; round < WORKERD.rounds; round++) {
      const order = round % 2 === 0 ? work : [...work].reverse();
      for (const w of order) {
        await pause(WORKERD.settleMs);
        const [first, second] = round % 2 === 0 ? [w.n1, w.n2] : [w.n2, w.n1];
        const a = await call(`/run?case=${w.row.name}&n=${first}`);
        const b = await call(`/run?case=${w.row.name}&n=${second}`);
        if (a.status !== 200 || b.status !== 200) throw new Error(`${w.row.name} (workerd) /run failed: ${a.body} ${b.body}`);
        const t1 = round % 2 === 0 ? a.ms : b.ms;
        const t2 = round % 2 === 0 ? b.ms : a.ms;
        w.t1s.push(t1);
        w.t2s.push(t2);
        const perCallMs = (t2 - t1) / (w.n2 - w.n1);
        w.row.samples.push(perCallMs * 1e6);
      }
    }
    for (const w of work) {
      w.row.ns = median(w.row.samples);
      w.row.spread = mad(w.row.samples);
      w.row.best = ((Math.min(...w.t2s) - Math.min(...w.t1s)) / (w.n2 - w.n1)) * 1e6;
      rows.push(w.row);
    }
  } catch (error) {
    // The worker did not start or set up: every workerd row that has no result says why.
    for (const c of WORKERD_CASES.filter((x) => wanted(settings, x.name))) {
      if (!rows.some((r) => r.name === c.name) && !skipped.some((s) => s.name === c.name)) skipped.push({ name: c.name, label: c.label, reason: `workerd: ${errorText(error)}` });
    }
  } finally {
    await worker?.dispose();
  }
  for (const c of WORKERD_CASES.filter((x) => wanted(settings, x.name))) {
    if (!rows.some((r) => r.name === c.name) && !skipped.some((s) => s.name === c.name)) skipped.push({ name: c.name, label: c.label, reason: "not set up" });
  }
  return done();
}

// ---------------------------------------------------------------------------
// Report

const fmtNs = (ns: number): string => Math.round(ns).toLocaleString("en-US");
const fmtX = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + "x";

function tripsCell(row: AdapterRow, which: "warm" | "first"): string {
  const calls = which === "warm" ? row.roundTrips.warm : row.roundTrips.first;
  const notes = which === "warm" ? row.roundTrips.warmNotes : row.roundTrips.firstNotes;
  const noteText = notes.length > 0 ? `; ${notes.length} ${notes.length === 1 ? "query" : "queries"}: ${summarize(notes.map((n) => n.replace(/^query /, "")))}` : "";
  if (!row.network) {
    if (calls.length === 0) return "0 (no backend)";
    return `0 network (in-process: ${calls.length} statements: ${summarize(calls)})`;
  }
  return `${calls.length} (${summarize(calls)}${noteText})`;
}

export function adapterTable(section: AdapterSection): string {
  const memory = section.rows.find((r) => r.name === "memory");
  const header = ["backend", "ns/op", "±MAD", "best", "x memory", "round trips / request (warm)", "first request of a fresh instance"];
  const lines: string[][] = [];
  const order = (section.runtime === "node" ? NODE_CASES : WORKERD_CASES).map((c) => c.name).filter((name) => section.rows.some((r) => r.name === name) || section.skipped.some((x) => x.name === name));
  for (const name of order) {
    const r = section.rows.find((x) => x.name === name);
    if (r === undefined) {
      const s = section.skipped.find((x) => x.name === name);
      lines.push([s?.label ?? name, "skipped", "", "", "", s ? `skipped: ${s.reason}` : "skipped", ""]);
      continue;
    }
    const warm = tripsCell(r, "warm");
    const first = tripsCell(r, "first");
    lines.push([
      r.label,
      fmtNs(r.ns),
      `${(r.spread * 100).toFixed(1)}%`,
      fmtNs(r.best),
      memory ? fmtX(pairedRatio(r, memory)) : "n/a",
      warm,
      first === warm ? "same" : first,
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const numeric = new Set([1, 2, 3, 4]);
  const render = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = [`== Adapters, ${section.version}  (${section.how}; ${section.seconds.toFixed(1)} s)`, render(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(render)];
  for (const r of section.rows) for (const remark of r.remarks) out.push(`  ${r.name}: NOTE ${remark}`);
  return out.join("\n");
}

export function adapterNotes(sections: AdapterSection[]): string {
  const out = ["What the adapter rows are (one op: auth.authenticate(request) with a valid opaque session cookie, sequentially awaited;"];
  out.push("every iteration is checked: authenticated, and the principal's email came from the user store):");
  const seen = new Set<string>();
  for (const row of sections.flatMap((s) => s.rows)) {
    if (seen.has(row.name)) continue;
    seen.add(row.name);
    out.push(`  ${row.name}: one counted call = ${row.counts}`);
  }
  out.push("  Round trips are counted on a second auth over the same data whose backend client is wrapped (the timed one is not): its");
  out.push("  first request shows what a fresh instance pays, the second the warm cost that the timed loop sees. x memory: median of");
  out.push("  per-round paired ratios to the memory row of the same runtime. All backends run on this machine (loopback), so the");
  out.push("  times are a floor: add the real network latency per round trip for a remote database.");
  return out.join("\n");
}
