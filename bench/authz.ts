/**
 * The authorization section of `npm run bench` (`--authz-only` runs just this, `--no-authz` skips it):
 * `authorizer.authorize()` with 50 roles holding 500 permissions (mixed exact, `resource:*` and
 * `*:action` patterns), against a plain `Set.has` lookup of a permission in the same run, in Node
 * and in workerd. Goal: every authorize() row under 5 us per call.
 *
 *  - Node: in-process, like the core Node cases of bench/run.ts: warm-up, batches of about 40 ms,
 *    rounds interleaved across cases, the median batch reported.
 *  - workerd: this same file is bundled (esbuild, an in-memory entry that imports `authzWorker`)
 *    and started by Miniflare with a direct socket; `/run?case=X&n=N` is timed from Node and
 *    (t(N2) - t(N1)) / (N2 - N1) cancels the round trip, as in bench/run.ts. The Node-only
 *    modules (esbuild, Miniflare, node:*) are imported dynamically inside the runners, so the
 *    worker bundle never loads them.
 *
 * Every case is checked before timing (the expected decision reason, and what matched), and
 * every timed iteration re-checks the reason: a wrong decision aborts the bench.
 */
import { createAuthorizer, type Authorizer } from "../src/authz/authorizer.js";
import { memoryAssignments } from "../src/authz/memory-assignments.js";
import type { DecisionReason, PolicyDocument, RoleDefinition } from "../src/authz/types.js";
import type { AuthzEnvironment, AuthzResource, AuthzSubject } from "../src/ports/authorization.js";
import { median, mad, log, calibrate } from "./stats.js";

export const AUTHZ_GOAL_NS = 5_000;

// ---------------------------------------------------------------------------
// The data: 50 roles x 10 permissions, deterministic

const RESOURCES = Array.from({ length: 40 }, (_, i) => `resource${i}`);
const ACTIONS = ["read", "list", "create", "update", "delete", "share", "export", "import", "approve", "archive", "restore", "comment"];

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Fixture {
  roles: RoleDefinition[];
  permissions: string[];
  /** Held by exactly one pattern kind each. */
  exact: string;
  wildcard: string;
  missing: string;
}

function fixture(): Fixture {
  const random = prng(2026);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const roles: RoleDefinition[] = [];
  for (let r = 0; r < 50; r++) {
    const permissions = new Set<string>();
    let k = 0;
    while (permissions.size < 10) {
      k++;
      // About 1 in 10 a `resource:*`, 1 in 25 a `*:action`, the rest exact.
      const roll = (r * 10 + k) % 50;
      permissions.add(roll % 10 === 3 ? `${pick(RESOURCES)}:*` : roll === 17 || roll === 42 ? `*:${pick(ACTIONS)}` : `${pick(RESOURCES)}:${pick(ACTIONS)}`);
    }
    // A fifth of the roles are tenant-specific definitions (for the tenant the subject acts in).
    roles.push({ id: `role-${String(r).padStart(2, "0")}`, permissions: [...permissions], tenantId: r % 5 === 0 ? "t1" : null });
  }
  const permissions = roles.flatMap((role) => role.permissions);
  const all = new Set(permissions);
  const covered = (resource: string, action: string): boolean => all.has(`${resource}:*`) || all.has(`*:${action}`);
  // exact: held as an exact permission by the LAST role and by no wildcard (the index must find it, not a scan).
  const exact = roles[49]!.permissions.find((p) => !p.includes("*") && !covered(...(p.split(":") as [string, string])));
  // wildcard: not held exactly, but covered by a pattern.
  let wildcard: string | undefined;
  for (const resource of RESOURCES) for (const action of ACTIONS) if (wildcard === undefined && !all.has(`${resource}:${action}`) && covered(resource, action)) wildcard = `${resource}:${action}`;
  if (exact === undefined || wildcard === undefined) throw new Error("authz bench fixture: no exact / wildcard target; change the seed");
  return { roles, permissions, exact, wildcard, missing: "billing:purge" };
}

// ---------------------------------------------------------------------------
// Cases: each runs a batch of n sequential iterations and checks every result

export interface AuthzCase {
  name: string;
  note: string;
  /** The decision every iteration must give ("found" for the Set rows). */
  expect: DecisionReason | "found";
  /** What one checked call matched, for the report. */
  check(): Promise<string>;
  batch(n: number): Promise<void>;
}

const ENVIRONMENT: AuthzEnvironment = { ip: "10.20.30.40", amr: ["pwd", "otp"], riskScore: 12 };

function policies(f: Fixture): PolicyDocument[] {
  const list: PolicyDocument[] = [];
  // 20 policies: ownership, office network, step-up, risk; most on other actions, so the index skips them.
  for (let i = 0; i < 16; i++) {
    list.push({
      id: `owner-${i}`,
      effect: "allow",
      actions: [`${RESOURCES[i]}:update`, `${RESOURCES[i]}:delete`],
      condition: { eq: [{ ref: "resource.attributes.ownerId" }, { ref: "subject.id" }] },
    });
  }
  list.push({ id: "owner-target", effect: "allow", actions: [f.exact], condition: { eq: [{ ref: "resource.attributes.ownerId" }, { ref: "subject.id" }] } });
  list.push({ id: "office-only", effect: "deny", actions: ["*"], condition: { not: { ipInCidr: [{ ref: "environment.ip" }, ["10.0.0.0/8", "2001:db8::/32"]] } } });
  list.push({ id: "step-up", effect: "deny", actions: ["*:delete", "*:export"], condition: { not: { in: ["otp", { ref: "environment.amr" }] } } });
  list.push({ id: "risky", effect: "deny", actions: ["*"], condition: { gt: [{ ref: "environment.riskScore" }, 70] } });
  return list;
}

function authorizeCase(name: string, note: string, authz: Authorizer, expect: DecisionReason, call: (authz: Authorizer) => ReturnType<Authorizer["authorize"]>): AuthzCase {
  return {
    name,
    note,
    expect,
    async check() {
      const decision = await call(authz);
      if (decision.reason !== expect) throw new Error(`${name}: expected ${expect}, got ${decision.reason}`);
      return decision.matched.map((m) => `${m.kind}:${m.id}${m.permission === undefined ? "" : `(${m.permission})`}`).join(", ") || "-";
    },
    async batch(n) {
      for (let i = 0; i < n; i++) {
        const decision = await call(authz);
        if (decision.reason !== expect) throw new Error(`${name}: iteration ${i} gave ${decision.reason}`);
      }
    },
  };
}

/** Builds every case once (cheap: compiling 50 roles and 20 policies). Pure: runs in Node and workerd. */
export function authzCases(): AuthzCase[] {
  const f = fixture();
  const roleIds = f.roles.map((r) => r.id);
  const audit = async (): Promise<void> => undefined;
  const resource: AuthzResource = { type: f.exact.split(":")[0]!, id: "r-1", tenantId: "t1", attributes: { ownerId: "u1" } };
  const viaSource = createAuthorizer({ audit, roles: f.roles, assignments: memoryAssignments([{ subjectId: "u1", tenantId: "t1", roleIds }]) });
  const noSource = createAuthorizer({ audit, roles: f.roles });
  const abac = createAuthorizer({ audit, roles: f.roles, policies: policies(f), assignments: memoryAssignments([{ subjectId: "u1", tenantId: "t1", roleIds }]) });
  const user: AuthzSubject = { type: "user", id: "u1", tenantId: "t1" };
  // Roles carried on the subject as a plain (mutable) array, as a JWT claim would give them: no Set cache.
  const carrying: AuthzSubject = { ...user, roleIds: [...roleIds] };
  const apiKey: AuthzSubject = { type: "api_key", id: "key-1", tenantId: "t1", roleIds: [...roleIds], scopes: ["resource0:read", "resource1:*", "*:list", f.exact, "resource2:update"] };

  const holders = f.roles.filter((r) => r.permissions.includes(f.exact)).length;
  const set = new Set(f.permissions);
  const keys = [f.exact, f.permissions[7]!];
  const has = async (key: string): Promise<boolean> => set.has(key);

  return [
    {
      name: "set-has",
      note: `Set.has(permission) on the 500 role permissions flattened into one Set (${set.size} distinct); a sync loop, no await`,
      expect: "found",
      check: async () => (set.has(f.exact) ? "found" : "missing"),
      async batch(n) {
        let found = 0;
        for (let i = 0; i < n; i++) if (set.has(keys[i & 1]!)) found++;
        if (found !== n) throw new Error("set-has: a lookup missed");
      },
    },
    {
      name: "set-has-await",
      note: "the same lookup behind an async function, awaited: the floor of any Promise-returning API",
      expect: "found",
      check: async () => ((await has(f.exact)) ? "found" : "missing"),
      async batch(n) {
        for (let i = 0; i < n; i++) if (!(await has(keys[i & 1]!))) throw new Error("set-has-await: a lookup missed");
      },
    },
    authorizeCase("authorize", `authorize(user, "${f.exact}", resource): 50 roles attached in tenant t1 via memoryAssignments; held exactly by ${holders} of them, the last one included`, viaSource, "allowed", (a) =>
      a.authorize(user, f.exact, resource),
    ),
    authorizeCase("authorize-subject-roles", "the same, the 50 role ids carried on the subject (a plain mutable array, so no cached Set; no assignment source)", noSource, "allowed", (a) =>
      a.authorize(carrying, f.exact, resource),
    ),
    authorizeCase("authorize-wildcard", `authorize(user, "${f.wildcard}"): held only through resource:* / *:action patterns`, viaSource, "allowed", (a) =>
      a.authorize(user, f.wildcard, resource),
    ),
    authorizeCase("authorize-deny", `authorize(user, "${f.missing}"): nothing matches -> default_deny, audited (no-op audit callback)`, viaSource, "default_deny", (a) =>
      a.authorize(user, f.missing, resource),
    ),
    authorizeCase("authorize-api-key", "an api_key subject with 5 scopes (one covers the action) and the 50 roles on it", noSource, "allowed", (a) =>
      a.authorize(apiKey, f.exact, resource),
    ),
    authorizeCase(
      "authorize-abac",
      "50 roles + 20 attribute policies (ownership, IP CIDR v4/v6, amr step-up, riskScore); those whose actions match are evaluated",
      abac,
      "allowed",
      (a) => a.authorize(user, f.exact, resource, { environment: ENVIRONMENT }),
    ),
  ];
}

/** The workerd side: GET /setup, GET /check, GET /run?case=NAME&n=N (like bench/worker-app.ts). */
let workerCases: AuthzCase[] | null = null;

export const authzWorker = {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const json = (value: unknown, status = 200): Response => new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
    try {
      const cases = (workerCases ??= authzCases());
      if (url.pathname === "/setup") return json(cases.map((c) => ({ name: c.name, note: c.note, expect: c.expect })));
      if (url.pathname === "/check") {
        const out = [];
        for (const c of cases) {
          await c.batch(200); // warm-up
          out.push({ name: c.name, matched: await c.check() });
        }
        return json(out);
      }
      if (url.pathname === "/run") {
        const c = cases.find((x) => x.name === url.searchParams.get("case"));
        if (c === undefined) return json({ error: "unknown case" }, 404);
        await c.batch(Number(url.searchParams.get("n") ?? "0"));
        return new Response("ok");
      }
      return json({ error: "not found" }, 404);
    } catch (error) {
      return json({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, 500);
    }
  },
};

// ---------------------------------------------------------------------------
// Runners (Node only)

export interface AuthzRow {
  name: string;
  note: string;
  matched: string;
  /** Median ns per call. */
  ns: number;
  /** Median absolute deviation of the samples, relative to the median. */
  spread: number;
  /** Fastest batch (Node) / fit through the fastest t(N1) and t(N2) (workerd). */
  best: number;
  samples: number[];
  perRound: number;
}

export interface AuthzSection {
  runtime: "node" | "workerd";
  version: string;
  how: string;
  rows: AuthzRow[];
  seconds: number;
}

export interface AuthzSettings {
  quick: boolean;
  compatibilityDate: string;
}

const hr = (): bigint => process.hrtime.bigint();

export async function benchAuthzNode(settings: AuthzSettings): Promise<AuthzSection> {
  const started = performance.now();
  const S = { warmupMs: settings.quick ? 100 : 300, batchMs: settings.quick ? 15 : 40, rounds: settings.quick ? 7 : 21 };
  const prepared = [];
  for (const c of authzCases()) {
    const matched = await c.check();
    let n = 16;
    let done = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < S.warmupMs) {
      await c.batch(n);
      done += n;
      n = Math.min(n * 2, 65_536);
    }
    const batch = Math.max(16, Math.round(S.batchMs / ((performance.now() - t0) / done)));
    prepared.push({ c, matched, batch, samples: [] as number[] });
  }
  log(`authz/node: ${prepared.length} cases checked and warmed; ${S.rounds} rounds`);
  for (let round = 0; round < S.rounds; round++) {
    for (const p of round % 2 === 0 ? prepared : [...prepared].reverse()) {
      const t0 = hr();
      await p.c.batch(p.batch);
      p.samples.push(Number(hr() - t0) / p.batch);
    }
  }
  return {
    runtime: "node",
    version: `Node ${process.version}`,
    how: `in-process, median of ${S.rounds} batches (~${S.batchMs} ms each) after warm-up`,
    rows: prepared.map((p) => ({
      name: p.c.name,
      note: p.c.note,
      matched: p.matched,
      ns: median(p.samples),
      spread: mad(p.samples),
      best: Math.min(...p.samples),
      samples: p.samples,
      perRound: p.batch,
    })),
    seconds: (performance.now() - started) / 1000,
  };
}

export async function benchAuthzWorkerd(settings: AuthzSettings, version: string): Promise<AuthzSection> {
  const started = performance.now();
  const S = { targetMs: settings.quick ? 60 : 120, rounds: settings.quick ? 5 : 15 };
  // Node-only, loaded here so the Worker bundle of this same file never sees it (a computed
  // specifier: esbuild leaves it alone instead of bundling the module and its node:* imports).
  const hostModule = "./worker-host.js";
  const { startBenchWorker } = (await import(hostModule)) as typeof import("./worker-host.js");
  const worker = await startBenchWorker({
    name: "bench-authz",
    // No separate worker file: a two-line entry in memory that serves `authzWorker`.
    entry: { source: 'import { authzWorker } from "./bench/authz.ts";\nexport default authzWorker;\n' },
    // The runners' dynamic imports stay unresolved in the bundle; the worker never calls them.
    external: ["esbuild", "miniflare"],
    compatibilityDate: settings.compatibilityDate,
  });
  const { call } = worker;
  try {
    const getJSON = async <T>(path: string): Promise<T> => {
      const r = await call(path);
      if (r.status !== 200) throw new Error(`bench-authz ${path}: ${r.status} ${r.body}`);
      return JSON.parse(r.body) as T;
    };
    const listed = await getJSON<{ name: string; note: string }[]>("/setup");
    const checks = await getJSON<{ name: string; matched: string }[]>("/check");
    const work: { row: AuthzRow; n1: number; n2: number; t1s: number[]; t2s: number[] }[] = [];
    for (const c of listed) {
      const { n1, n2 } = await calibrate(
        async (n) => {
          const r = await call(`/run?case=${c.name}&n=${n}`);
          if (r.status !== 200) throw new Error(`${c.name} (workerd) /run: ${r.status} ${r.body}`);
          return r.ms;
        },
        { startN: 64, minBusyMs: 30, maxN: 1 << 24, targetMs: S.targetMs },
      );
      const matched = checks.find((x) => x.name === c.name)?.matched ?? "?";
      work.push({ row: { name: c.name, note: c.note, matched, ns: 0, spread: 0, best: 0, samples: [], perRound: n2 }, n1, n2, t1s: [], t2s: [] });
    }
    log(`authz/workerd: ${work.length} cases checked and calibrated; ${S.rounds} rounds`);
    for (let round = 0; round < S.rounds; round++) {
      for (const w of round % 2 === 0 ? work : [...work].reverse()) {
        const a = await call(`/run?case=${w.row.name}&n=${w.n1}`);
        const b = await call(`/run?case=${w.row.name}&n=${w.n2}`);
        if (a.status !== 200 || b.status !== 200) throw new Error(`${w.row.name} (workerd) /run failed: ${a.body} ${b.body}`);
        w.t1s.push(a.ms);
        w.t2s.push(b.ms);
        w.row.samples.push(((b.ms - a.ms) / (w.n2 - w.n1)) * 1e6);
      }
    }
    for (const w of work) {
      w.row.ns = median(w.row.samples);
      w.row.spread = mad(w.row.samples);
      w.row.best = ((Math.min(...w.t2s) - Math.min(...w.t1s)) / (w.n2 - w.n1)) * 1e6;
    }
    return {
      runtime: "workerd",
      version,
      how: `Miniflare, timed from Node over a direct socket, median over ${S.rounds} rounds of (t(N2)-t(N1))/(N2-N1)`,
      rows: work.map((w) => w.row),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await worker.dispose();
  }
}

// ---------------------------------------------------------------------------
// Report

const fmtNs = (ns: number): string => Math.round(ns).toLocaleString("en-US");
const fmtX = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + "x";
/** Median of per-round paired ratios: rounds time every case once, pairing cancels drift. */
const paired = (a: AuthzRow, b: AuthzRow): number =>
  a.samples.length === b.samples.length && a.samples.length > 0 ? median(a.samples.map((x, i) => x / b.samples[i]!)) : a.ns / b.ns;

export function authzTable(section: AuthzSection): string {
  const floor = section.rows.find((r) => r.name === "set-has");
  const awaited = section.rows.find((r) => r.name === "set-has-await");
  const header = ["case", "ns/op", "±MAD", "best", "x Set.has", "x Set.has+await", `goal < ${fmtNs(AUTHZ_GOAL_NS)} ns`];
  const lines = section.rows.map((r) => [
    r.name,
    fmtNs(r.ns),
    `${(r.spread * 100).toFixed(1)}%`,
    fmtNs(r.best),
    floor ? fmtX(paired(r, floor)) : "n/a",
    awaited ? fmtX(paired(r, awaited)) : "n/a",
    r.name.startsWith("authorize") ? (r.ns < AUTHZ_GOAL_NS ? "PASS" : "MISS") : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [
    `== Authorization, ${section.version}  (${section.how}; ${section.seconds.toFixed(1)} s)`,
    render(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...lines.map(render),
  ].join("\n");
}

export function authzNotes(sections: AuthzSection[]): string {
  const out = ["What the authorization rows are (sequentially awaited; every iteration's decision reason is checked):"];
  const seen = new Set<string>();
  for (const row of sections.flatMap((s) => s.rows)) {
    if (seen.has(row.name)) continue;
    seen.add(row.name);
    out.push(`  ${row.name}: ${row.note}; matched: ${row.matched}`);
  }
  out.push("  Data: 50 roles x 10 permissions (about 1 in 10 resource:*, 1 in 25 *:action, the rest exact; every 5th role defined");
  out.push("  for tenant t1), compiled once into one permission index; x Set.has columns are medians of per-round paired ratios.");
  return out.join("\n");
}

export function authzJSON(sections: AuthzSection[]): unknown {
  return sections.map((s) => ({
    runtime: s.runtime,
    version: s.version,
    how: s.how,
    seconds: s.seconds,
    goalNs: AUTHZ_GOAL_NS,
    rows: s.rows.map((r) => ({ name: r.name, nsPerOp: r.ns, spread: r.spread, bestNsPerOp: r.best, callsPerSample: r.perRound, matched: r.matched, note: r.note, samplesNs: r.samples })),
  }));
}
