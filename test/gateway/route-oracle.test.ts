/**
 * Randomised cross-checks, deterministic seed. Runs in Node and workerd.
 *
 *  - The segment trie (compileRouteRules) against a brute-force reading of the documented
 *    precedence: every rule tried, the most specific kept.
 *  - normalizePath's fast path (input already normal) against the full algorithm, which is
 *    copied here as it stood before the fast path was added.
 */
import { describe, expect, test } from "vitest";
import { CONTROL } from "../../src/core/http/return-path.js";
import { compileRouteRules, normalizePath, type RouteRule } from "../../src/gateway/index.js";

function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s % n;
  };
}

const pick = <T>(next: (n: number) => number, xs: readonly T[]): T => xs[next(xs.length)]!;

// ---------------------------------------------------------------------------

interface Candidate {
  rule: RouteRule;
  segments: string[];
  prefix: boolean;
  methods: "*" | string[];
}

/** The documented precedence, spelled out: compare segment ranks left to right, then exact over prefix, then a named method over "*". */
function oracle(candidates: readonly Candidate[], method: string, path: string): RouteRule | null | "ambiguous" {
  const normal = normalizePath(path);
  if (normal === null) return candidates.length > 0 ? "ambiguous" : null;
  const segments = normal
    .toLowerCase()
    .split("/")
    .map((s) => s.split(";")[0]!)
    .filter((s) => s !== "");
  const m = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
  let best: { rule: RouteRule; key: number[] } | null = null;
  for (const c of candidates) {
    if (c.methods !== "*" && !c.methods.includes(m)) continue;
    if (c.prefix ? segments.length < c.segments.length : segments.length !== c.segments.length) continue;
    if (!c.segments.every((s, i) => s.startsWith(":") || s.toLowerCase() === segments[i])) continue;
    const key = segments.map((_s, i) => (i >= c.segments.length ? 1 : c.segments[i]!.startsWith(":") ? 2 : 3));
    key.push(c.prefix ? 0 : 1, c.methods === "*" ? 0 : 1);
    if (best === null || greater(key, best.key)) best = { rule: c.rule, key };
  }
  return best?.rule ?? null;
}

function greater(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}

describe("trie vs brute force", () => {
  const VOCAB = ["a", "b", "c", "B", ":p"];
  const METHODS: Array<RouteRule["method"]> = ["GET", "POST", "*", ["GET", "PUT"], undefined, "DELETE"];
  const PATH_PARTS = ["a", "b", "c", "A", "x", "", ".", "..", "b;j=1", "%61", "%2F", "%2561"];

  test.each([1, 2, 3, 4, 5, 6, 7, 8])("seed %i: 3000 requests against a random rule set agree", (seed) => {
    const next = prng(seed * 7919);
    const candidates: Candidate[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      const segments = Array.from({ length: next(4) }, () => pick(next, VOCAB));
      const prefix = next(3) === 0;
      if (segments.filter((s) => s === ":p").length > 1) continue; // a parameter name appears once per pattern
      const path = (prefix ? "/" + segments.join("/") + (segments.length > 0 ? "/*" : "*") : "/" + segments.join("/")).replace(/^\/\*$/, "/*");
      const method = pick(next, METHODS);
      const rule: RouteRule = { path, permission: `r${attempt}:go`, ...(method === undefined ? {} : { method }) };
      try {
        compileRouteRules([...candidates.map((c) => c.rule), rule]); // keep only rules that do not clash
      } catch {
        continue;
      }
      const methods = method === undefined || method === "*" ? "*" : (typeof method === "string" ? [method] : [...method]).map((x) => x.toUpperCase());
      candidates.push({ rule, segments, prefix, methods });
    }
    const matcher = compileRouteRules(candidates.map((c) => c.rule));
    for (let i = 0; i < 3000; i++) {
      const path = "/" + Array.from({ length: next(5) }, () => pick(next, PATH_PARTS)).join("/");
      const method = pick(next, ["GET", "HEAD", "POST", "PUT", "DELETE", "patch"]);
      const got = matcher.match(method, path);
      const want = oracle(candidates, method, path);
      const gotRule = got.kind === "rule" ? candidates[got.rule.index]!.rule : got.kind === "ambiguous" ? "ambiguous" : null;
      if (gotRule !== want) expect({ method, path, got: gotRule, want }).toBeNull();
    }
    expect(candidates.length).toBeGreaterThan(10);
  });
});

// ---------------------------------------------------------------------------

/** normalizePath before its fast path (src/gateway/paths.ts), kept verbatim as the reference. */
function referenceNormalizePath(pathname: string): string | null {
  const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
  const AMBIGUOUS_ENCODED = new Set([0x2f, 0x5c, 0x25, 0x3b]);
  if (!pathname.startsWith("/") || pathname.includes("\\") || CONTROL.test(pathname)) return null;
  if (pathname.includes("?") || pathname.includes("#")) return null;
  let ambiguous = false;
  const decoded = pathname.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const code = Number.parseInt(hex, 16);
    const char = String.fromCharCode(code);
    if (UNRESERVED.test(char)) return char;
    if (AMBIGUOUS_ENCODED.has(code) || code < 0x20 || code === 0x7f) ambiguous = true;
    return "%" + hex.toUpperCase();
  });
  if (ambiguous || /%(?![0-9A-F]{2})/.test(decoded)) return null;
  const segments = decoded.split("/").slice(1);
  const output: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment === "" && !last) continue;
    if (/^\.{1,2};/.test(segment)) return null;
    if (segment === ".") {
      if (last) output.push("");
      continue;
    }
    if (segment === "..") {
      output.pop();
      if (last) output.push("");
      continue;
    }
    output.push(segment);
  }
  return "/" + output.join("/");
}

describe("normalizePath fast path", () => {
  test("agrees with the full algorithm on 50,000 random paths", () => {
    const next = prng(42);
    const alphabet = ["/", "/", "a", "B", ".", ".", "%", "2", "e", "F", "5", "c", ";", "~", "-", "?", "\\", "\t", "é"];
    for (let i = 0; i < 50_000; i++) {
      const body = Array.from({ length: next(14) }, () => pick(next, alphabet)).join("");
      const path = next(10) === 0 ? body : "/" + body;
      const got = normalizePath(path);
      const want = referenceNormalizePath(path);
      if (got !== want) expect({ path, got, want }).toBeNull();
    }
  });
});
