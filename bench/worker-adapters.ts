/**
 * The workerd half of the adapter section of `npm run bench`: Portcullis on the
 * Cloudflare bindings, in a Worker that bench/adapters.ts bundles with esbuild and
 * starts with Miniflare (local D1, local KV, SQLite-backed Durable Objects of the
 * PortcullisStore class exported below), timed from Node like bench/worker.ts.
 *
 *   POST /setup  body { migrations: [{ name, queries }] }   applies the SQLite migrations to
 *                D1 (read from migrations/sqlite by Node), builds every case (sign-ups), lists them
 *   GET /check   per case, after a warm-up: authenticates, a forged cookie is rejected, and the
 *                backend calls of a fresh instrumented instance's first and second request
 *   GET /run?case=NAME&n=N   N sequentially awaited authenticate() calls
 */
import { doSessionStore, type PortcullisStoreNamespace } from "../src/adapters/durable-object/index.js";
import { kvSessionStore, type KVNamespaceLike } from "../src/adapters/cloudflare-kv/index.js";
import { d1Stores, type D1DatabaseLike } from "../src/adapters/d1/index.js";
import { memoryStores } from "../src/adapters/memory/index.js";
import { adapterCase, countingMethods, countingSQL, type AdapterCase, type Recorder } from "./adapter-cases.js";
import { loop } from "./cases.js";

export { PortcullisStore } from "../src/adapters/durable-object/index.js";

interface Env {
  DB: D1DatabaseLike;
  KV: KVNamespaceLike;
  PORTCULLIS: PortcullisStoreNamespace;
}

interface Migration {
  name: string;
  queries: string[];
}

const json = (value: unknown, status = 200): Response =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Every call on a stub is one RPC to a Durable Object: record the method name. */
function countingNamespace(namespace: PortcullisStoreNamespace, record: Recorder): PortcullisStoreNamespace {
  return {
    idFromName: (name: string) => namespace.idFromName(name),
    get(id: unknown) {
      const stub = namespace.get(id) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return new Proxy({} as ReturnType<PortcullisStoreNamespace["get"]>, {
        get: (_target, method: string) => (...args: unknown[]) => (record(method), stub[method]!(...args)),
      });
    },
  };
}

const D1_EXEC = ["first", "all", "run", "raw"];
const KV_CALLS = ["get", "getWithMetadata", "list", "put", "delete"];

async function setupCases(env: Env, migrations: Migration[]): Promise<{ cases: AdapterCase[]; skipped: { name: string; label: string; reason: string }[] }> {
  const cases: AdapterCase[] = [];
  const skipped: { name: string; label: string; reason: string }[] = [];
  const prefix = `bench-${Date.now().toString(36)}:`;
  const attempt = async (name: string, label: string, build: () => Promise<AdapterCase>): Promise<void> => {
    try {
      cases.push(await build());
    } catch (error) {
      skipped.push({ name, label, reason: describe(error) });
    }
  };

  await attempt("memory", "memory: users + sessions in memory", async () => {
    const stores = memoryStores();
    return adapterCase({ name: "memory", label: "memory: users + sessions in memory", network: false, counts: "nothing: no backend", stores, instrumented: () => stores });
  });

  const d1Label = "d1: users + sessions (Miniflare local)";
  await attempt("d1", d1Label, async () => {
    for (const migration of migrations) await env.DB.batch(migration.queries.map((q) => env.DB.prepare(q)));
    return adapterCase({
      name: "d1",
      label: d1Label,
      network: true,
      counts: "one D1 query: first/all/run/raw on a prepared statement, or one batch (each is a subrequest on Cloudflare); users, credentials and sessions all in D1",
      stores: d1Stores(env.DB),
      instrumented: (record) => d1Stores(countingSQL(env.DB, record, D1_EXEC)),
    });
  });

  const kvLabel = "kv: sessions; users in memory (Miniflare local)";
  await attempt("kv", kvLabel, async () => {
    const memory = memoryStores();
    return adapterCase({
      name: "kv",
      label: kvLabel,
      network: true,
      counts: "one KV operation: get (a bulk get of N keys is one), getWithMetadata, list, put, delete",
      stores: { ...memory, sessions: kvSessionStore(env.KV, { prefix }) },
      instrumented: (record) => ({
        ...memory,
        sessions: kvSessionStore(
          countingMethods(env.KV, record, KV_CALLS, (method, args) => (Array.isArray(args[0]) ? `${method}[${args[0].length} keys]` : method)),
          { prefix },
        ),
      }),
    });
  });

  const doLabel = "durable-object: sessions; users in memory (Miniflare local)";
  await attempt("durable-object", doLabel, async () => {
    const memory = memoryStores();
    return adapterCase({
      name: "durable-object",
      label: doLabel,
      network: true,
      counts: "one RPC call on a Durable Object stub (PortcullisStore, SQLite-backed, bound as PORTCULLIS)",
      stores: { ...memory, sessions: doSessionStore(env.PORTCULLIS, { prefix }) },
      // A fresh doSessionStore: its session-id -> user-id pointer cache starts empty, as in a new isolate.
      instrumented: (record) => ({ ...memory, sessions: doSessionStore(countingNamespace(env.PORTCULLIS, record), { prefix }) }),
    });
  });

  return { cases, skipped };
}

let set: { cases: AdapterCase[]; skipped: { name: string; label: string; reason: string }[] } | null = null;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/setup" && request.method === "POST") {
        const { migrations } = (await request.json()) as { migrations: Migration[] };
        set ??= await setupCases(env, migrations);
        return json({
          cases: set.cases.map((c) => ({ name: c.name, label: c.label, network: c.network, counts: c.counts })),
          skipped: set.skipped,
        });
      }
      if (set === null) return json({ error: "POST /setup first" }, 409);
      if (url.pathname === "/check") {
        const report = [];
        for (const c of set.cases) {
          const it = c.prepare();
          await loop(it, 20);
          const ok = it.ok(await it.run());
          report.push({ name: c.name, ok, rejectsForgery: await c.rejectsForgery(), roundTrips: await c.roundTrips() });
        }
        return json(report);
      }
      if (url.pathname === "/run") {
        const name = url.searchParams.get("case");
        const n = Number(url.searchParams.get("n") ?? "0");
        const c = set.cases.find((x) => x.name === name);
        if (c === undefined) return json({ error: `unknown case ${name}` }, 404);
        await loop(c.prepare(), n);
        return new Response("ok");
      }
      return json({ error: "not found" }, 404);
    } catch (error) {
      return json({ error: describe(error) }, 500);
    }
  },
};
