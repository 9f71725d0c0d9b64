/**
 * The route-rule section of `npm run bench` (`--rules-only` runs just this): what the gateway
 * spends per request deciding which of 200 route rules applies, against a plain `Set.has`
 * lookup of the same paths in the same run, in Node and in workerd. Goal: under 5 us per match.
 *
 * Cases (one op = one call on the next of 512 request paths, cycling):
 *   set-has        `Set.has(path)` on a Set of the 200 rule paths: the floor
 *   normalize      `normalizePath(path)` alone: the part of a match that is not the trie
 *   trie-match     `matcher.match(method, path)` from compileRouteRules (normalise, split, walk
 *                  the segment trie): what the gateway does per request
 *   regex-scan     the naive alternative: normalise, then test all 200 regexes and keep the
 *                  most specific match (shown to justify the trie; also the correctness oracle)
 *
 * Before timing, every path is matched by trie-match and regex-scan and the two must pick
 * the same rule; every timed pass re-checks the number of matches.
 *
 * Node: in-process batches timed with process.hrtime.bigint(), rounds interleaved across cases,
 * median reported. workerd: this file is bundled with esbuild as a Worker (its default export)
 * and started by Miniflare with a direct socket; `/run?case=X&n=N` is timed from Node and
 * (t(N2) - t(N1)) / (N2 - N1) cancels the round trip, since clocks inside a Worker stand still
 * during CPU work. Node-only modules are imported dynamically so the Worker bundle has none.
 */
import { normalizePath } from "../src/gateway/paths.js";
import { compileRouteRules, type RouteMatch, type RouteRule, type RouteRuleMatcher } from "../src/gateway/route-rules.js";
import { median, mad, log } from "./stats.js";

export const RULE_CASES = ["set-has", "normalize", "trie-match", "regex-scan"] as const;
export type RuleCaseName = (typeof RULE_CASES)[number];

const RESOURCES = [
  "users", "teams", "projects", "docs", "files", "invoices", "orders", "products", "reports", "tickets",
  "comments", "tags", "events", "jobs", "builds", "deploys", "secrets", "keys", "hooks", "alerts",
  "metrics", "logs", "audits", "roles", "groups", "plans", "coupons", "carts", "reviews", "pages",
  "sites", "domains", "certs", "backups",
];
const TARGET_RULES = 200;
const REQUESTS = 512;
const GOAL_NS = 5000;

// ---------------------------------------------------------------------------
// The fixture: 200 rules (exact, prefix and :param, mixed methods) and 512 request paths.

/** Six rules per resource (2 exact-ish, 2 :param, 2 prefix), cut to 200. */
export function benchRules(): RouteRule[] {
  const rules: RouteRule[] = [];
  for (const name of RESOURCES) {
    rules.push({ method: "GET", path: `/${name}`, permission: `${name}:list` });
    rules.push({ method: "GET", path: `/${name}/:id`, permission: `${name}:read` });
    rules.push({ method: ["PUT", "PATCH", "DELETE"], path: `/${name}/:id`, permission: `${name}:write` });
    rules.push({ path: `/${name}/:id/history/*`, permission: `${name}:history` });
    rules.push({ path: `/api/v1/${name}/*`, permission: `${name}:api` });
    rules.push({ path: `/admin/${name}/*`, permission: `admin:${name}` });
  }
  return rules.slice(0, TARGET_RULES);
}

/** Deterministic mix: hits of every kind, near misses, misses, and messy spellings. */
export function benchRequests(): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  let seed = 0x9e3779b9;
  const next = (n: number): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed % n;
  };
  const shapes: Array<(r: string) => [string, string]> = [
    (r) => ["GET", `/${r}`],
    (r) => ["GET", `/${r}/${next(100000)}`],
    (r) => ["DELETE", `/${r}/${next(1000)}`],
    (r) => ["GET", `/${r}/${next(1000)}/history/2026/04`],
    (r) => ["POST", `/api/v1/${r}/${next(1000)}/items`],
    (r) => ["GET", `/admin/${r}/settings`],
    (r) => ["POST", `/${r}`], // no POST rule on the exact path: a miss
    (r) => ["GET", `/${r}/${next(1000)}/other`], // near miss
    () => ["GET", `/static/app.${next(100)}.js`],
    () => ["GET", "/"],
    (r) => ["GET", `//${r.toUpperCase()}/${next(1000)}/`],
    (r) => ["GET", `/%${r.charCodeAt(0).toString(16)}${r.slice(1)};jsessionid=1/${next(1000)}`],
    (r) => ["GET", `/public/../admin/${r}/x`],
    (r) => ["GET", `/${r}%2F${next(1000)}`], // ambiguous: refused whatever the rules say
  ];
  for (let i = 0; i < REQUESTS; i++) {
    const resource = RESOURCES[next(RESOURCES.length)]!;
    const [method, path] = shapes[next(shapes.length)]!(resource);
    out.push({ method, path });
  }
  return out;
}

// ---------------------------------------------------------------------------
// The naive alternative (and oracle): one regex per rule, all tested, most specific kept.

interface RegexRule {
  rule: RouteRule;
  regex: RegExp;
  methods: "*" | Set<string>;
  /** Per pattern segment: 3 literal, 2 param; the rest of a prefix match ranks 1. */
  ranks: number[];
  prefix: boolean;
}

function compileRegexes(rules: readonly RouteRule[]): RegexRule[] {
  return rules.map((rule) => {
    const prefix = rule.path.endsWith("/*");
    const base = prefix ? rule.path.slice(0, -2) : rule.path;
    const segments = base === "/" || base === "" ? [] : base.slice(1).split("/");
    const body = segments.map((s) => (s.startsWith(":") ? "/[^/]+" : "/" + s.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("");
    const regex = new RegExp(`^${body}${prefix ? "(?:/.*)?" : ""}$`);
    const methods = rule.method === undefined || rule.method === "*" ? "*" : new Set((typeof rule.method === "string" ? [rule.method] : rule.method).map((m) => m.toUpperCase()));
    return { rule, regex, methods, ranks: segments.map((s) => (s.startsWith(":") ? 2 : 3)), prefix };
  });
}

/** Lexicographic specificity: segment ranks, then exact over prefix, then a named method over "*". */
function specificity(r: RegexRule, depth: number): number[] {
  const key: number[] = [];
  for (let i = 0; i < depth; i++) key.push(i < r.ranks.length ? r.ranks[i]! : 1);
  key.push(r.prefix ? 0 : 1, r.methods === "*" ? 0 : 1);
  return key;
}

function greater(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}

function regexScan(rules: readonly RegexRule[], method: string, pathname: string): RouteRule | null | "ambiguous" {
  const normalised = normalizePath(pathname);
  if (normalised === null) return "ambiguous";
  const segments = normalised
    .toLowerCase()
    .split("/")
    .map((s) => (s.includes(";") ? s.slice(0, s.indexOf(";")) : s))
    .filter((s) => s !== "");
  // Root is "" here, so "/" + segments lines up with the regexes ("^$" for an exact "/").
  const path = segments.map((s) => "/" + s).join("");
  const m = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
  let best: RegexRule | null = null;
  let bestKey: number[] = [];
  for (const r of rules) {
    if (r.methods !== "*" && !r.methods.has(m)) continue;
    if (!r.regex.test(path)) continue;
    const key = specificity(r, segments.length);
    if (best === null || greater(key, bestKey)) {
      best = r;
      bestKey = key;
    }
  }
  return best?.rule ?? null;
}

// ---------------------------------------------------------------------------
// The cases, shared by Node and the Worker.

export interface RuleCases {
  /** Runs n ops; returns how many of them "matched" (a rule, or a Set hit). */
  run(name: RuleCaseName, n: number): number;
  /** Matches per full pass over the request list, per case. */
  expectedPerPass: Record<RuleCaseName, number>;
  /** trie-match and regex-scan disagreements (must be empty), and the match mix. */
  check(): { disagreements: string[]; rules: number; requests: number; matched: number; ambiguous: number };
}

export function setupRuleCases(): RuleCases {
  const rules = benchRules();
  const matcher: RouteRuleMatcher = compileRouteRules(rules);
  const regexes = compileRegexes(rules);
  const set = new Set(rules.map((r) => r.path));
  const requests = benchRequests();
  const methods = requests.map((r) => r.method);
  const paths = requests.map((r) => r.path);
  const mask = REQUESTS - 1; // REQUESTS is a power of two

  const ops: Record<RuleCaseName, (i: number) => boolean> = {
    "set-has": (i) => set.has(paths[i & mask]!),
    normalize: (i) => normalizePath(paths[i & mask]!) !== null,
    "trie-match": (i) => matcher.match(methods[i & mask]!, paths[i & mask]!).kind === "rule",
    "regex-scan": (i) => {
      const found = regexScan(regexes, methods[i & mask]!, paths[i & mask]!);
      return found !== null && found !== "ambiguous";
    },
  };
  const expectedPerPass = Object.fromEntries(RULE_CASES.map((name) => [name, countPass(ops[name])])) as Record<RuleCaseName, number>;

  return {
    expectedPerPass,
    run(name, n) {
      const op = ops[name];
      let hits = 0;
      for (let i = 0; i < n; i++) if (op(i)) hits++;
      return hits;
    },
    check() {
      const disagreements: string[] = [];
      let matched = 0;
      let ambiguous = 0;
      for (const { method, path } of requests) {
        const trie: RouteMatch = matcher.match(method, path);
        const oracle = regexScan(regexes, method, path);
        const trieSays = trie.kind === "rule" ? rules[trie.rule.index]! : trie.kind === "ambiguous" ? "ambiguous" : null;
        if (trieSays !== oracle) disagreements.push(`${method} ${path}: trie ${describe(trieSays)}, regex ${describe(oracle)}`);
        if (trie.kind === "rule") matched++;
        if (trie.kind === "ambiguous") ambiguous++;
      }
      return { disagreements, rules: rules.length, requests: requests.length, matched, ambiguous };
    },
  };

  function countPass(op: (i: number) => boolean): number {
    let hits = 0;
    for (let i = 0; i < REQUESTS; i++) if (op(i)) hits++;
    return hits;
  }
}

function describe(x: RouteRule | null | "ambiguous"): string {
  return x === null || x === "ambiguous" ? String(x) : `${JSON.stringify(x.method ?? "*")} ${x.path}`;
}

/** Matches a run of n ops (whole passes) must report. */
function expectedHits(cases: RuleCases, name: RuleCaseName, n: number): number {
  return (n / REQUESTS) * cases.expectedPerPass[name];
}

// ---------------------------------------------------------------------------
// The Worker side (bundled from this file): GET /check, GET /run?case=X&n=N.

let workerCases: RuleCases | null = null;

const worker = {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    try {
      workerCases ??= setupRuleCases();
      if (url.pathname === "/check") return Response.json({ ...workerCases.check(), expectedPerPass: workerCases.expectedPerPass });
      if (url.pathname === "/run") {
        const name = url.searchParams.get("case") as RuleCaseName;
        const n = Number(url.searchParams.get("n") ?? "0");
        if (!RULE_CASES.includes(name)) return Response.json({ error: `unknown case ${name}` }, { status: 404 });
        // Whole passes only, so the match count can be checked without a second run.
        const hits = workerCases.run(name, n);
        const want = (n / REQUESTS) * workerCases.expectedPerPass[name];
        if (n % REQUESTS === 0 && hits !== want) return Response.json({ error: `${name}: ${hits} matches, expected ${want}` }, { status: 500 });
        return new Response(String(hits));
      }
      return Response.json({ error: "not found" }, { status: 404 });
    } catch (error) {
      return Response.json({ error: error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error) }, { status: 500 });
    }
  },
};
export default worker;

// ---------------------------------------------------------------------------
// The runner (Node).

export interface RuleRow {
  name: RuleCaseName;
  /** Median ns per op. */
  ns: number;
  /** Median absolute deviation of the samples, relative to the median. */
  spread: number;
  /** Fastest sample (Node) / fit through the fastest t(N1), t(N2) (workerd). */
  best: number;
  samples: number[];
  perSample: number;
}

export interface RuleSection {
  runtime: "node" | "workerd";
  version: string;
  rows: RuleRow[];
  check: ReturnType<RuleCases["check"]>;
  seconds: number;
}

export interface RuleSettings {
  quick: boolean;
  compatibilityDate: string;
}


function assertCheck(runtime: string, check: ReturnType<RuleCases["check"]>): void {
  if (check.disagreements.length > 0) {
    throw new Error(`route rules (${runtime}): the trie and the regex oracle disagree on ${check.disagreements.length} paths, e.g. ${check.disagreements.slice(0, 3).join("; ")}`);
  }
  if (check.rules !== TARGET_RULES) throw new Error(`route rules (${runtime}): ${check.rules} rules compiled, expected ${TARGET_RULES}`);
}

export async function benchRouteRulesNode(settings: RuleSettings): Promise<RuleSection> {
  const started = performance.now();
  const cases = setupRuleCases();
  const check = cases.check();
  assertCheck("node", check);
  const rounds = settings.quick ? 9 : 31;
  const batchMs = settings.quick ? 10 : 25;

  const prepared = RULE_CASES.map((name) => {
    // Warm-up (JIT tiers), then a batch of whole passes that takes about batchMs.
    const warmEnd = performance.now() + (settings.quick ? 100 : 300);
    let n = REQUESTS;
    let done = 0;
    const t0 = performance.now();
    while (performance.now() < warmEnd) {
      cases.run(name, n);
      done += n;
      n = Math.min(n * 2, REQUESTS * 256);
    }
    const perOpMs = (performance.now() - t0) / done;
    const batch = Math.max(1, Math.round(batchMs / perOpMs / REQUESTS)) * REQUESTS;
    return { name, batch, samples: [] as number[] };
  });

  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? prepared : [...prepared].reverse();
    for (const p of order) {
      const t0 = process.hrtime.bigint();
      const hits = cases.run(p.name, p.batch);
      const ns = Number(process.hrtime.bigint() - t0);
      const want = expectedHits(cases, p.name, p.batch);
      if (hits !== want) throw new Error(`route rules (node) ${p.name}: ${hits} matches, expected ${want}`);
      p.samples.push(ns / p.batch);
    }
  }
  return {
    runtime: "node",
    version: `Node ${process.version}`,
    rows: prepared.map((p) => ({ name: p.name, ns: median(p.samples), spread: mad(p.samples), best: Math.min(...p.samples), samples: p.samples, perSample: p.batch })),
    check,
    seconds: (performance.now() - started) / 1000,
  };
}

export async function benchRouteRulesWorkerd(settings: RuleSettings, version: string): Promise<RuleSection> {
  const started = performance.now();
  // Node-only, loaded here so the Worker bundle of this same file never sees it (a computed
  // specifier: esbuild leaves it alone instead of bundling the module and its node:* imports).
  const hostModule = "./worker-host.js";
  const { startBenchWorker } = (await import(hostModule)) as typeof import("./worker-host.js");
  const worker = await startBenchWorker({
    name: "bench-route-rules",
    entry: { file: "bench/route-rules.ts" },
    // Reached only through the runner's dynamic imports, which the Worker never calls.
    external: ["esbuild", "miniflare"],
    compatibilityDate: settings.compatibilityDate,
  });
  const { call } = worker;
  try {
    const checked = await call("/check");
    if (checked.status !== 200) throw new Error(`route rules (workerd) /check: ${checked.status} ${checked.body}`);
    const check = JSON.parse(checked.body) as ReturnType<RuleCases["check"]>;
    assertCheck("workerd", check);

    const rounds = settings.quick ? 5 : 15;
    const targetMs = settings.quick ? 60 : 120;
    const run = async (name: RuleCaseName, n: number): Promise<number> => {
      const r = await call(`/run?case=${name}&n=${n}`);
      if (r.status !== 200) throw new Error(`route rules (workerd) ${name}: ${r.status} ${r.body}`);
      return r.ms;
    };
    const fastest = async (name: RuleCaseName, n: number): Promise<number> => Math.min(await run(name, n), await run(name, n), await run(name, n));

    const work: Array<{ name: RuleCaseName; n1: number; n2: number; t1s: number[]; t2s: number[]; samples: number[] }> = [];
    for (const name of RULE_CASES) {
      // Grow n (whole passes) until the work clearly dominates the round trip, then aim N2 at targetMs.
      const empty = await fastest(name, 0);
      let n = REQUESTS * 16;
      let busy = (await fastest(name, n)) - empty;
      while (busy < 20 && n < REQUESTS * (1 << 16)) {
        n *= 4;
        busy = (await fastest(name, n)) - empty;
      }
      const n2 = Math.max(REQUESTS * 5, Math.round((n * targetMs) / Math.max(busy, 1) / REQUESTS) * REQUESTS);
      const n1 = Math.max(REQUESTS, Math.round(n2 / 5 / REQUESTS) * REQUESTS);
      work.push({ name, n1, n2, t1s: [], t2s: [], samples: [] });
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? work : [...work].reverse();
      for (const w of order) {
        const t1 = await run(w.name, w.n1);
        const t2 = await run(w.name, w.n2);
        w.t1s.push(t1);
        w.t2s.push(t2);
        w.samples.push(((t2 - t1) / (w.n2 - w.n1)) * 1e6);
      }
    }
    return {
      runtime: "workerd",
      version,
      rows: work.map((w) => ({
        name: w.name,
        ns: median(w.samples),
        spread: mad(w.samples),
        best: ((Math.min(...w.t2s) - Math.min(...w.t1s)) / (w.n2 - w.n1)) * 1e6,
        samples: w.samples,
        perSample: w.n2,
      })),
      check,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await worker.dispose();
  }
}

// ---------------------------------------------------------------------------
// Report

const fmtNs = (ns: number): string => (ns >= 100 ? Math.round(ns).toLocaleString("en-US") : ns.toFixed(1));

export function routeRulesTable(section: RuleSection): string {
  const by = new Map(section.rows.map((r) => [r.name, r]));
  const floor = by.get("set-has");
  const header = ["case", "ns/op", "±MAD", "best", "x set-has", "goal < 5 us"];
  const lines = section.rows.map((r) => [
    r.name,
    fmtNs(r.ns),
    `${(r.spread * 100).toFixed(1)}%`,
    fmtNs(r.best),
    floor ? `${(r.ns / floor.ns).toFixed(1)}x` : "n/a",
    r.name === "trie-match" ? (r.ns < GOAL_NS ? "PASS" : "MISS") : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const { check } = section;
  return [
    `== route rules, ${section.version}  (${check.rules} rules, ${check.requests} request paths cycling: ${check.matched} match a rule, ${check.ambiguous} ambiguous; ${section.seconds.toFixed(1)} s)`,
    render(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...lines.map(render),
  ].join("\n");
}

export function routeRulesNotes(): string {
  return [
    "Route rules: one op = one lookup for the next of 512 request paths (exact, :param, prefix, misses, //X/, %xx, ;params and %2F spellings).",
    "  set-has: Set.has(path) on the 200 rule paths (the floor). normalize: normalizePath alone. trie-match: compileRouteRules(...).match(method, path),",
    "  i.e. normalise + split + segment-trie walk, what the gateway runs per request. regex-scan: normalise, test all 200 regexes, keep the most",
    "  specific (the naive design, and the oracle the trie is checked against before timing). x set-has: ratio of the medians.",
  ].join("\n");
}

export function routeRulesJSON(sections: RuleSection[]): unknown {
  return sections.map((s) => ({
    runtime: s.runtime,
    version: s.version,
    seconds: s.seconds,
    rules: s.check.rules,
    requests: s.check.requests,
    matched: s.check.matched,
    ambiguous: s.check.ambiguous,
    goalNs: GOAL_NS,
    cases: Object.fromEntries(s.rows.map((r) => [r.name, { nsPerOp: r.ns, spread: r.spread, bestNsPerOp: r.best, opsPerSample: r.perSample, samplesNs: r.samples }])),
  }));
}
