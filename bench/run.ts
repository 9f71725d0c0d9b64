/**
 * `npm run bench` ("bench": "tsx bench/run.ts"): the read-path cost of Portcullis
 * against its floors (one Web Crypto HMAC verify, one bare jose.jwtVerify) and
 * against hono/jwt and Better Auth, in Node and in workerd, in one run.
 *
 *  - Node: the cases run in this process. Warm-up, calibrated batches of
 *    sequentially awaited calls timed with process.hrtime.bigint(), rounds
 *    interleaved across cases; the median batch is reported.
 *  - workerd: inside a Worker the clocks stand still during pure CPU work, so the
 *    cases are bundled with esbuild into bench workers that Miniflare starts (each
 *    with a direct socket), and
 *    each `/run?case=X&n=N` request is timed from Node. Per round two sizes
 *    N1 < N2 are timed and (t(N2) - t(N1)) / (N2 - N1) is the per-call cost,
 *    which cancels the fixed cost of the HTTP round trip; the median over rounds
 *    is reported. Portcullis, jose, Hono and the floors run in a plain worker;
 *    Better Auth, which needs `nodejs_compat`, in a second worker of the same
 *    workerd process (with its own floor-hmac as a cross-check).
 *
 * Before timing, every case is checked once: its result is authenticated (and
 * every timed iteration re-checks that), a forged credential is rejected, and
 * one instrumented call counts its crypto.subtle calls.
 *
 * Then the adapter section (bench/adapters.ts): authenticate() on real session and user
 * stores (SQLite, PostgreSQL, Redis, Upstash REST in Node; D1, KV, Durable Objects in
 * workerd) with the backend round trips per request counted.
 *
 * Last, the route-rule section (bench/route-rules.ts): matching a request against 200 gateway
 * route rules (segment trie) beside a plain Set.has lookup, in Node and workerd; and the authorization
 * section (bench/authz.ts): authorize() with 50 roles / 500 permissions beside a plain Set.has lookup
 * (timed before the other sections, printed after them).
 *
 * Options: --only=node|workerd, --quick (fewer, shorter rounds), --cases=a,b (only these, plus floor-hmac),
 * --adapters-only (just the adapter section), --no-adapters (skip it), --adapters=a,b (only these adapter rows, plus memory),
 * --rules-only (just the route-rule section), --no-rules (skip it), --authz-only (just the authorization section),
 * --no-authz (skip it).
 * Results: printed, and written to bench/results/latest.json (--adapters-only: latest-adapters.json;
 * --rules-only: latest-route-rules.json; --authz-only: latest-authz.json).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { arch, cpus, loadavg, platform, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { Miniflare } from "miniflare";
import { adapterNotes, adapterTable, benchAdaptersNode, benchAdaptersWorkerd, type AdapterSection } from "./adapters.js";
import { authzJSON, authzNotes, authzTable, benchAuthzNode, benchAuthzWorkerd, type AuthzSection } from "./authz.js";
import { betterAuthCase } from "./cases-better-auth.js";
import { countCrypto, loop, setupCoreCases, type BenchCase, type CaseSet, type CryptoCount, type Group } from "./cases.js";
import { benchRouteRulesNode, benchRouteRulesWorkerd, routeRulesJSON, routeRulesNotes, routeRulesTable, type RuleSection } from "./route-rules.js";
import { median, mad, pairedRatio as ratio, now, log, calibrate } from "./stats.js";
import { bundleWorker } from "./worker-host.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const args = new Set(process.argv.slice(2));
const only = [...args].find((a) => a.startsWith("--only="))?.slice("--only=".length) ?? null;
const quick = args.has("--quick");
const adaptersOnly = args.has("--adapters-only");
const withAdapters = adaptersOnly || !args.has("--no-adapters");
const rulesOnly = args.has("--rules-only");
const withRules = rulesOnly || (!adaptersOnly && !args.has("--no-rules"));
const authzOnly = args.has("--authz-only");
const withAuthz = authzOnly || (!adaptersOnly && !rulesOnly && !args.has("--no-authz"));
/** --adapters=postgres,d1: only these adapter rows (memory is always kept). */
const adapterFilter = [...args].find((a) => a.startsWith("--adapters="))?.slice("--adapters=".length).split(",") ?? null;
/** --cases=a,b: time only these (floor-hmac is always kept: every ratio is relative to it). */
const caseFilter = [...args].find((a) => a.startsWith("--cases="))?.slice("--cases=".length).split(",") ?? null;
const selected = (name: string): boolean => caseFilter === null || name === "floor-hmac" || caseFilter.includes(name);

const COMPATIBILITY_DATE = "2026-04-01";
const NODE = { warmupMs: quick ? 150 : 400, batchMs: quick ? 15 : 40, rounds: quick ? 7 : 31 };
const WORKERD = { targetMs: quick ? 80 : 150, rounds: quick ? 5 : 25 };

interface Check {
  ok: boolean;
  rejectsForgery: boolean;
  crypto: CryptoCount;
}

interface Row {
  name: string;
  group: Group;
  note: string;
  /** Median ns per call. */
  ns: number;
  /** Median absolute deviation of the per-round samples, relative to the median. */
  spread: number;
  /**
   * Best case, ns: Node, the fastest batch; workerd, (min t(N2) - min t(N1)) / (N2 - N1).
   * Noise from other load only ever adds time, so this is what a quiet machine approaches.
   */
  best: number;
  samples: number[];
  perRound: number;
  check: Check;
  worker?: string;
}

interface RuntimeResult {
  runtime: "node" | "workerd";
  version: string;
  rows: Row[];
  unavailable: { name: string; group: Group; reason: string }[];
  /** Extra rows that are not part of the table (workerd: floor-hmac in the nodejs_compat worker). */
  crossChecks: Row[];
  /** workerd: fitted fixed cost of one /run round trip (HTTP, request set-up), ns. */
  overheadNs?: number;
  seconds: number;
}


async function verifyCase(c: BenchCase): Promise<Check> {
  const it = c.prepare();
  await loop(it, 20);
  const ok = it.ok(await it.run());
  const crypto = await countCrypto(async () => {
    if (!it.ok(await it.run())) throw new Error(`${c.name}: instrumented call failed its check`);
  });
  return { ok, rejectsForgery: await c.rejectsForgery(), crypto };
}

function assertChecked(name: string, check: Check): void {
  if (!check.ok) throw new Error(`${name}: the first call did not authenticate; refusing to time it`);
  if (!check.rejectsForgery) throw new Error(`${name}: a forged credential was accepted; refusing to time it`);
}

// ---------------------------------------------------------------------------
// Node

async function benchNode(): Promise<RuntimeResult> {
  const started = performance.now();
  const set: CaseSet = await setupCoreCases();
  try {
    set.cases.push(await betterAuthCase());
  } catch (error) {
    set.unavailable.push({ name: "better-auth", group: "baseline", reason: error instanceof Error ? error.message : String(error) });
  }

  const prepared = [];
  for (const c of set.cases.filter((x) => selected(x.name))) {
    const check = await verifyCase(c);
    assertChecked(c.name, check);
    const it = c.prepare();
    // Warm-up, then a batch size that takes about NODE.batchMs.
    let n = 4;
    let warmed = 0;
    const warmStart = performance.now();
    while (performance.now() - warmStart < NODE.warmupMs) {
      await loop(it, n);
      warmed += n;
      n = Math.min(n * 2, 1024);
    }
    const perCallMs = (performance.now() - warmStart) / warmed;
    const batch = Math.max(3, Math.round(NODE.batchMs / perCallMs));
    prepared.push({ c, it, check, batch, samples: [] as number[] });
  }
  log(`node: ${prepared.length} cases checked and warmed; ${NODE.rounds} rounds`);

  for (let round = 0; round < NODE.rounds; round++) {
    const order = round % 2 === 0 ? prepared : [...prepared].reverse();
    for (const p of order) {
      const t0 = now();
      await loop(p.it, p.batch);
      p.samples.push(Number(now() - t0) / p.batch);
    }
  }

  return {
    runtime: "node",
    version: process.version,
    rows: prepared.map((p) => ({
      name: p.c.name,
      group: p.c.group,
      note: p.c.note,
      ns: median(p.samples),
      spread: mad(p.samples),
      best: Math.min(...p.samples),
      samples: p.samples,
      perRound: p.batch,
      check: p.check,
    })),
    unavailable: set.unavailable,
    crossChecks: [],
    seconds: (performance.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------
// workerd

interface WorkerSpec {
  name: string;
  entry: string;
  compatibilityFlags: string[];
}

const WORKERS: WorkerSpec[] = [
  { name: "bench", entry: "bench/worker.ts", compatibilityFlags: [] },
  { name: "bench-better-auth", entry: "bench/worker-better-auth.ts", compatibilityFlags: ["nodejs_compat"] },
];

function bundle(spec: WorkerSpec, outdir: string): Promise<string> {
  return bundleWorker({ entry: { file: spec.entry }, outfile: join(outdir, `${spec.name}.mjs`) });
}

function workerdVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const mf = require("miniflare/package.json") as { version: string };
    const wd = require(`@cloudflare/workerd-${platform()}-${arch() === "x64" ? "64" : arch()}/package.json`) as { version: string };
    return `workerd ${wd.version} (miniflare ${mf.version})`;
  } catch {
    return "workerd (miniflare)";
  }
}

async function benchWorkerd(): Promise<RuntimeResult> {
  const started = performance.now();
  const outdir = await mkdtemp(join(tmpdir(), "portcullis-bench-"));
  let mf: Miniflare | null = null;
  try {
    const files = await Promise.all(WORKERS.map((w) => bundle(w, outdir)));
    mf = new Miniflare({
      workers: await Promise.all(
        WORKERS.map(async (w, i) => ({
          name: w.name,
          modulesRoot: outdir,
          modules: [{ type: "ESModule" as const, path: files[i]!, contents: await readFile(files[i]!, "utf8") }],
          compatibilityDate: COMPATIBILITY_DATE,
          compatibilityFlags: w.compatibilityFlags,
          // A socket straight into this worker: ~1.5 ms per round trip and far less jitter than
          // dispatchFetch (~5 ms through Miniflare's entry worker).
          unsafeDirectSockets: [{}],
        })),
      ),
    });
    const urls = new Map<string, URL>();
    for (const w of WORKERS) urls.set(w.name, await mf.unsafeGetDirectURL(w.name));
    const call = async (spec: WorkerSpec, path: string): Promise<{ ms: number; status: number; body: string }> => {
      const url = new URL(path, urls.get(spec.name));
      const t0 = now();
      const response = await fetch(url);
      const body = await response.text();
      return { ms: Number(now() - t0) / 1e6, status: response.status, body };
    };
    const getJSON = async <T>(spec: WorkerSpec, path: string): Promise<T> => {
      const r = await call(spec, path);
      if (r.status !== 200) throw new Error(`${spec.name} ${path}: ${r.status} ${r.body}`);
      return JSON.parse(r.body) as T;
    };

    const rows: Row[] = [];
    const crossChecks: Row[] = [];
    const unavailable: RuntimeResult["unavailable"] = [];
    const work: { spec: WorkerSpec; row: Row; n1: number; n2: number; overheads: number[]; t1s: number[]; t2s: number[] }[] = [];

    for (const spec of WORKERS) {
      let listed: { cases: { name: string; group: Group; note: string }[]; unavailable: RuntimeResult["unavailable"] };
      try {
        listed = await getJSON(spec, "/setup");
      } catch (error) {
        // A worker that cannot start or set up makes its cases n/a, with the reason.
        const reason = `${spec.name} (flags: ${spec.compatibilityFlags.join(",") || "none"}): ${(error as Error).message.split("\n")[0]}`;
        if (spec.name === "bench-better-auth") unavailable.push({ name: "better-auth", group: "baseline", reason });
        else throw error;
        continue;
      }
      unavailable.push(...listed.unavailable.map((u) => ({ ...u, reason: `${u.reason} (flags: ${spec.compatibilityFlags.join(",") || "none"})` })));
      const checks = await getJSON<({ name: string } & Check)[]>(spec, "/check");
      for (const c of listed.cases.filter((x) => selected(x.name))) {
        const check = checks.find((x) => x.name === c.name)!;
        assertChecked(`${c.name} (workerd)`, check);
        const { n1, n2 } = await calibrate(
          async (n) => {
            const r = await call(spec, `/run?case=${c.name}&n=${n}`);
            if (r.status !== 200) throw new Error(`${c.name} (workerd) /run: ${r.status} ${r.body}`);
            return r.ms;
          },
          { startN: 16, minBusyMs: 30, maxN: 1 << 22, targetMs: WORKERD.targetMs },
        );
        const row: Row = { name: c.name, group: c.group, note: c.note, ns: 0, spread: 0, best: 0, samples: [], perRound: n2, check, worker: spec.name };
        // floor-hmac of the nodejs_compat worker is a cross-check, not a table row.
        if (spec.name === "bench-better-auth" && c.name === "floor-hmac") {
          row.name = "floor-hmac (nodejs_compat worker)";
          crossChecks.push(row);
        } else rows.push(row);
        work.push({ spec, row, n1, n2, overheads: [], t1s: [], t2s: [] });
      }
    }
    log(`workerd: ${work.length} cases checked and calibrated; ${WORKERD.rounds} rounds`);

    for (let round = 0; round < WORKERD.rounds; round++) {
      const order = round % 2 === 0 ? work : [...work].reverse();
      for (const w of order) {
        const name = w.row.name.startsWith("floor-hmac (") ? "floor-hmac" : w.row.name;
        const first = round % 2 === 0 ? w.n1 : w.n2;
        const second = round % 2 === 0 ? w.n2 : w.n1;
        const a = await call(w.spec, `/run?case=${name}&n=${first}`);
        const b = await call(w.spec, `/run?case=${name}&n=${second}`);
        if (a.status !== 200 || b.status !== 200) throw new Error(`${name} (workerd) /run failed: ${a.body} ${b.body}`);
        const t1 = round % 2 === 0 ? a.ms : b.ms;
        const t2 = round % 2 === 0 ? b.ms : a.ms;
        w.t1s.push(t1);
        w.t2s.push(t2);
        const perCallMs = (t2 - t1) / (w.n2 - w.n1);
        w.row.samples.push(perCallMs * 1e6);
        w.overheads.push((t1 - perCallMs * w.n1) * 1e6);
      }
    }
    for (const w of work) {
      w.row.ns = median(w.row.samples);
      w.row.spread = mad(w.row.samples);
      w.row.best = ((Math.min(...w.t2s) - Math.min(...w.t1s)) / (w.n2 - w.n1)) * 1e6;
    }
    const better = unavailable.find((u) => u.name === "better-auth");
    if (better === undefined && selected("better-auth") && !rows.some((r) => r.name === "better-auth")) {
      unavailable.push({ name: "better-auth", group: "baseline", reason: "not set up" });
    }
    return {
      runtime: "workerd",
      version: workerdVersion(),
      rows,
      unavailable,
      crossChecks,
      overheadNs: median(work.flatMap((w) => w.overheads)),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await mf?.dispose();
    await rm(outdir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Report

interface Goal {
  runtime: "node" | "workerd";
  goal: string;
  subject: string;
  /** From the medians (paired per round); decides the status. */
  value: string;
  /** The same ratio from the best-case numbers, and for the jose goal how many rounds were faster. */
  detail: string;
  status: "PASS" | "MISS" | "info" | "n/a";
}

const wins = (a: Row, b: Row): string =>
  a.samples.length === b.samples.length ? `faster in ${a.samples.filter((x, i) => x < b.samples[i]!).length}/${a.samples.length} rounds` : "";

const fmtNs = (ns: number): string => Math.round(ns).toLocaleString("en-US");
const fmtX = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + "x";

function joseFloorFor(row: Row): string {
  return row.name.endsWith("-es256") ? "floor-jose-es256" : "floor-jose";
}

function table(result: RuntimeResult): string {
  const by = new Map(result.rows.map((r) => [r.name, r]));
  const hmac = by.get("floor-hmac");
  const ba = by.get("better-auth");
  const header = ["case", "ns/op", "±MAD", "best", "x floor-hmac", "vs better-auth", "vs floor-jose", "crypto calls"];
  const lines: string[][] = [];
  const rows = [...result.rows];
  for (const u of result.unavailable) if (!by.has(u.name)) rows.push({ name: u.name } as Row);
  for (const r of rows) {
    if (r.ns === undefined) {
      lines.push([r.name, "n/a", "", "", "", "", "", ""]);
      continue;
    }
    const floorJose = by.get(joseFloorFor(r));
    const isOurs = r.group === "portcullis";
    lines.push([
      r.name,
      fmtNs(r.ns),
      `${(r.spread * 100).toFixed(1)}%`,
      fmtNs(r.best),
      hmac ? fmtX(ratio(r, hmac)) : "n/a",
      isOurs ? (ba ? `${fmtX(ratio(ba, r))} faster` : "n/a") : "",
      isOurs ? (floorJose ? `${fmtX(ratio(r, floorJose))}${r.name.endsWith("-es256") ? " (es256)" : ""}` : "n/a") : "",
      `${r.check.crypto.total} (${Object.entries(r.check.crypto.byMethod).map(([m, k]) => (k > 1 ? `${m}x${k}` : m)).join(", ")})`,
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [render(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(render)];
  for (const u of result.unavailable) out.push(`  ${u.name}: n/a - ${u.reason}`);
  return out.join("\n");
}

function goals(results: RuntimeResult[]): Goal[] {
  const list: Goal[] = [];
  for (const result of results) {
    const by = new Map(result.rows.map((r) => [r.name, r]));
    const hmac = by.get("floor-hmac");
    const ba = by.get("better-auth");
    const opaque = by.get("portcullis-opaque");
    const ours = result.rows.filter((r) => r.group === "portcullis");
    const rt = result.runtime;

    if (opaque && hmac) {
      const x = ratio(opaque, hmac);
      // The goal is stated for workerd; Node is shown for information.
      list.push({
        runtime: rt,
        goal: "opaque path within 4x floor-hmac" + (rt === "node" ? " (info: the goal is for workerd)" : ""),
        subject: "portcullis-opaque",
        value: fmtX(x),
        detail: `best ${fmtX(opaque.best / hmac.best)}`,
        status: rt === "node" ? "info" : x <= 4 ? "PASS" : "MISS",
      });
    }
    // The 15x goal is the opaque path's. A JWT row cannot reach it (one Ed25519 verify is about half of
    // Better Auth's whole getSession), and in Node one Web Crypto call already costs more than Better
    // Auth / 15, so those rows are shown for information.
    for (const r of ours) {
      const isGoal = r.name === "portcullis-opaque" && rt === "workerd";
      const goal = ">= 15x faster than Better Auth (same run)" + (isGoal ? "" : " (info)");
      list.push(
        ba
          ? { runtime: rt, goal, subject: r.name, value: fmtX(ratio(ba, r)), detail: `best ${fmtX(ba.best / r.best)}`, status: !isGoal ? "info" : ratio(ba, r) >= 15 ? "PASS" : "MISS" }
          : { runtime: rt, goal, subject: r.name, value: "n/a", detail: "better-auth n/a", status: "n/a" },
      );
    }
    for (const r of ours.filter((x) => x.name.startsWith("portcullis-jwt"))) {
      const floor = by.get(joseFloorFor(r));
      if (!floor) continue;
      const x = ratio(r, floor);
      list.push({
        runtime: rt,
        goal: `JWT path no slower than bare jose.jwtVerify (${floor.name})`,
        subject: r.name,
        value: `${fmtX(x)} of jose`,
        detail: `best ${fmtX(r.best / floor.best)}; ${wins(r, floor)}`,
        status: x <= 1 ? "PASS" : "MISS",
      });
    }
    for (const r of ours) {
      list.push({
        runtime: rt,
        goal: "at most 1 crypto.subtle call per authenticate()",
        subject: r.name,
        value: String(r.check.crypto.total),
        detail: Object.keys(r.check.crypto.byMethod).join(", "),
        status: r.check.crypto.total <= 1 ? "PASS" : "MISS",
      });
    }
  }
  return list;
}

function headerLines(): string[] {
  const out: string[] = [];
  out.push(
    `Portcullis read-path bench  ${new Date().toISOString()}  ${cpus()[0]?.model ?? "cpu"} x${cpus().length}, ${platform()}/${arch()}, ` +
      `load average ${loadAtStart.map((x) => x.toFixed(2)).join(" ")} at start, ${loadavg().map((x) => x.toFixed(2)).join(" ")} at end`,
  );
  // The load at the end includes this bench itself, so only the load before it started counts.
  if (loadAtStart[0]! > cpus().length * 0.5) {
    out.push("NOTE: the machine was busy when this run started (1-min load average above half the cores); expect noisier numbers, compare ±MAD and best.");
  }
  return out;
}

function printReport(results: RuntimeResult[], goalList: Goal[], adapters: AdapterSection[]): void {
  const out: string[] = headerLines();
  for (const result of results) {
    out.push("");
    const how =
      result.runtime === "node"
        ? `in-process, median of ${NODE.rounds} batches (~${NODE.batchMs} ms each) after warm-up`
        : `timed from Node over a direct Miniflare socket, median over ${WORKERD.rounds} rounds of (t(N2)-t(N1))/(N2-N1); fixed round-trip cost ~${((result.overheadNs ?? 0) / 1e6).toFixed(2)} ms removed by the fit`;
    out.push(`== ${result.runtime === "node" ? `Node ${result.version}` : result.version}  (${how}; ${result.seconds.toFixed(1)} s)`);
    out.push(table(result));
    for (const x of result.crossChecks) out.push(`  cross-check: ${x.name}: ${fmtNs(x.ns)} ns/op (±${(x.spread * 100).toFixed(1)}%, best ${fmtNs(x.best)})`);
  }
  for (const section of adapters) {
    out.push("");
    out.push(adapterTable(section));
  }
  out.push("");
  out.push("Goals");
  const w = Math.max(...goalList.map((g) => g.goal.length));
  const s = Math.max(...goalList.map((g) => g.subject.length));
  const v = Math.max(...goalList.map((g) => g.value.length));
  for (const g of goalList) {
    out.push(`  [${g.runtime.padEnd(7)}] ${g.goal.padEnd(w)}  ${g.subject.padEnd(s)}  ${g.value.padStart(v)}  ${g.status.padEnd(4)}  (${g.detail})`);
  }
  out.push("");
  out.push("What one op is (all: sequentially awaited; every iteration's result is checked as authenticated):");
  const notes = new Map<string, string>();
  for (const r of results.flatMap((x) => x.rows)) notes.set(r.name, r.note);
  for (const [name, note] of notes) out.push(`  ${name}: ${note}`);
  out.push("  ns/op: median of the per-batch (Node) / per-round (workerd) samples; ±MAD: their median absolute deviation, relative.");
  out.push("  best: fastest batch (Node) / (min t(N2) - min t(N1)) / (N2 - N1) (workerd); other load only adds time, so on a busy");
  out.push("  machine this is the steadier number. Goals are decided on the medians; the best-case ratio is shown beside them.");
  out.push("  Ratios (x floor-hmac, vs better-auth, vs floor-jose, goals) are medians of per-round paired ratios, so they can differ");
  out.push("  slightly from dividing the ns/op column. vs floor-jose below 1.00x means faster than a bare jose.jwtVerify of the same token.");
  if (adapters.length > 0) out.push("", adapterNotes(adapters));
  console.log(out.join("\n"));
}

// ---------------------------------------------------------------------------

const loadAtStart = loadavg();

const machineJSON = () => ({ cpu: cpus()[0]?.model ?? null, cores: cpus().length, platform: platform(), arch: arch(), loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg() });
const medianOf = median;

/** The route-rule section for the selected runtimes. */
async function benchRules(): Promise<RuleSection[]> {
  const sections: RuleSection[] = [];
  const settings = { quick, compatibilityDate: COMPATIBILITY_DATE };
  if (only === null || only === "node") {
    log("route rules/node: compiling 200 rules, checking the trie against the regex oracle...");
    sections.push(await benchRouteRulesNode(settings));
  }
  if (only === null || only === "workerd") {
    log("route rules/workerd: bundling bench/route-rules.ts, starting Miniflare...");
    sections.push(await benchRouteRulesWorkerd(settings, workerdVersion()));
  }
  return sections;
}

function printRules(sections: RuleSection[]): void {
  console.log(["", ...sections.flatMap((section) => [routeRulesTable(section), ""]), routeRulesNotes()].join("\n"));
}

/** The authorization section (bench/authz.ts) for the selected runtimes. */
async function benchAuthz(): Promise<AuthzSection[]> {
  const sections: AuthzSection[] = [];
  const settings = { quick, compatibilityDate: COMPATIBILITY_DATE };
  if (only === null || only === "node") {
    log("authz/node: compiling 50 roles / 500 permissions...");
    sections.push(await benchAuthzNode(settings));
  }
  if (only === null || only === "workerd") {
    log("authz/workerd: bundling bench/authz.ts, starting Miniflare...");
    sections.push(await benchAuthzWorkerd(settings, workerdVersion()));
  }
  return sections;
}

function printAuthz(sections: AuthzSection[]): void {
  console.log(["", ...sections.flatMap((section) => [authzTable(section), ""]), authzNotes(sections)].join("\n"));
}

async function main(): Promise<void> {
  if (authzOnly) {
    const sections = await benchAuthz();
    console.log(headerLines().join("\n"));
    printAuthz(sections);
    const file = join(here, "results", "latest-authz.json");
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ generatedAt: new Date().toISOString(), machine: machineJSON(), settings: { quick }, authz: authzJSON(sections) }, null, 2) + "\n");
    log(`wrote ${file.slice(root.length + 1)}`);
    return;
  }
  // Timed first, printed last: once the Better Auth case is set up in this process every await costs
  // about 4x more (an awaited no-op: ~70 -> ~260 ns, measured), which would be billed to authorize().
  const authz = withAuthz ? await benchAuthz() : [];
  if (rulesOnly) {
    const sections = await benchRules();
    console.log(headerLines().join("\n"));
    printRules(sections);
    const file = join(here, "results", "latest-route-rules.json");
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ generatedAt: new Date().toISOString(), machine: machineJSON(), settings: { quick }, routeRules: routeRulesJSON(sections) }, null, 2) + "\n");
    log(`wrote ${file.slice(root.length + 1)}`);
    return;
  }
  const results: RuntimeResult[] = [];
  if (!adaptersOnly && (only === null || only === "node")) {
    log("node: setting up (sign-ups, key imports)...");
    results.push(await benchNode());
  }
  if (!adaptersOnly && (only === null || only === "workerd")) {
    log("workerd: bundling with esbuild, starting Miniflare...");
    results.push(await benchWorkerd());
  }
  const adapters: AdapterSection[] = [];
  if (withAdapters) {
    const adapterSettings = { quick, compatibilityDate: COMPATIBILITY_DATE, filter: adapterFilter };
    if (only === null || only === "node") {
      log("adapters/node: setting up backends (SQLite, PostgreSQL, Redis, Upstash stand-in)...");
      adapters.push(await benchAdaptersNode(adapterSettings));
    }
    if (only === null || only === "workerd") {
      log("adapters/workerd: bundling bench/worker-adapters.ts, starting Miniflare (D1, KV, Durable Objects)...");
      adapters.push(await benchAdaptersWorkerd(adapterSettings, workerdVersion()));
    }
  }
  const adapterJSON = adapters.map((a) => ({
    runtime: a.runtime,
    version: a.version,
    how: a.how,
    seconds: a.seconds,
    rows: a.rows.map((r) => {
      const memory = a.rows.find((x) => x.name === "memory");
      return {
        name: r.name,
        label: r.label,
        nsPerOp: r.ns,
        spread: r.spread,
        bestNsPerOp: r.best,
        ratioToMemory: memory ? (r.samples.length === memory.samples.length ? medianOf(r.samples.map((x, i) => x / memory.samples[i]!)) : r.ns / memory.ns) : null,
        callsPerSample: r.perRound,
        samplesNs: r.samples,
        network: r.network,
        roundTripsWarm: r.network ? r.roundTrips.warm.length : 0,
        roundTripsFirst: r.network ? r.roundTrips.first.length : 0,
        backendCalls: r.roundTrips,
        counts: r.counts,
        rejectsForgery: r.rejectsForgery,
        remarks: r.remarks,
      };
    }),
    skipped: a.skipped,
  }));

  if (adaptersOnly) {
    const out = headerLines();
    for (const section of adapters) out.push("", adapterTable(section));
    out.push("", adapterNotes(adapters));
    console.log(out.join("\n"));
    const file = join(here, "results", "latest-adapters.json");
    await mkdir(dirname(file), { recursive: true });
    await writeFile(
      file,
      JSON.stringify({ generatedAt: new Date().toISOString(), machine: machineJSON(), settings: { quick }, adapters: adapterJSON }, null, 2) + "\n",
    );
    log(`wrote ${file.slice(root.length + 1)}`);
    return;
  }

  const goalList = goals(results);
  printReport(results, goalList, adapters);
  const rules = withRules ? await benchRules() : [];
  if (rules.length > 0) printRules(rules);
  if (authz.length > 0) printAuthz(authz);

  const file = join(here, "results", "latest.json");
  await mkdir(dirname(file), { recursive: true });
  await writeFile(
    file,
    JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: machineJSON(),
        settings: { quick, node: NODE, workerd: { ...WORKERD, compatibilityDate: COMPATIBILITY_DATE, workers: WORKERS } },
        runtimes: Object.fromEntries(
          results.map((r) => [
            r.runtime,
            {
              version: r.version,
              seconds: r.seconds,
              overheadNs: r.overheadNs ?? null,
              cases: Object.fromEntries(
                r.rows.map((row) => [
                  row.name,
                  {
                    group: row.group,
                    nsPerOp: row.ns,
                    spread: row.spread,
                    bestNsPerOp: row.best,
                    ratioToFloorHmac: ((hmac) => (hmac ? ratio(row, hmac) : null))(r.rows.find((x) => x.name === "floor-hmac")),
                    callsPerSample: row.perRound,
                    samplesNs: row.samples,
                    cryptoCalls: row.check.crypto,
                    rejectsForgery: row.check.rejectsForgery,
                    worker: row.worker ?? null,
                    note: row.note,
                  },
                ]),
              ),
              crossChecks: r.crossChecks.map((x) => ({ name: x.name, nsPerOp: x.ns, spread: x.spread, bestNsPerOp: x.best })),
              unavailable: r.unavailable,
            },
          ]),
        ),
        goals: goalList,
        adapters: adapterJSON,
        routeRules: routeRulesJSON(rules),
        authz: authzJSON(authz),
      },
      null,
      2,
    ) + "\n",
  );
  log(`wrote ${file.slice(root.length + 1)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
