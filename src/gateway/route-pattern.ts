/**
 * The syntax of a gateway route rule (`method` + `path`), checked once at start-up. A pattern
 * that could never match the way its author expects is a `ConfigurationError`, not a rule that
 * silently protects nothing.
 *
 *   /admin            exactly that path (a trailing slash on the request is ignored)
 *   /admin/*          /admin itself and every path below it, at any depth
 *   /docs/:id         one segment in place of :id (/docs/42, not /docs or /docs/42/x)
 *   /*                every path
 */
import { ConfigurationError } from "../core/errors.js";
import { normalizePath } from "./paths.js";

export type PatternSegment = { kind: "literal"; value: string } | { kind: "param"; name: string };

export interface RoutePattern {
  /** The pattern as declared. */
  readonly source: string;
  /** Literal segments are lower-cased unless matching is case-sensitive. */
  readonly segments: readonly PatternSegment[];
  /** Ends in "/*": matches the path before it and everything below. */
  readonly prefix: boolean;
}

/** The matcher's view of a method list: every method, or these (upper-case, HEAD folded into GET). */
export type RouteMethods = "*" | readonly string[];

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** RFC 9110 5.6.2 token: what a method name may contain. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_PATTERN_LENGTH = 1024;

/**
 * Parses one `path`. It must already be in the form `normalizePath` produces (no `//`, no dot
 * segments, no percent-encoded unreserved characters, nothing ambiguous), because requests are
 * matched in that form only: `/%61dmin` or `/a/../admin` as a pattern could never match.
 */
export function parseRoutePattern(pattern: unknown, options: { caseSensitive: boolean }): RoutePattern {
  if (typeof pattern !== "string" || !pattern.startsWith("/")) throw invalid(pattern, "must be a string starting with /");
  if (pattern.length > MAX_PATTERN_LENGTH) throw invalid(pattern, `is longer than ${MAX_PATTERN_LENGTH} characters`);
  if (pattern === "/*") return { source: pattern, segments: [], prefix: true };
  const prefix = pattern.endsWith("/*");
  const base = prefix ? pattern.slice(0, -2) : pattern;
  if (base.includes("*")) throw invalid(pattern, 'uses "*" somewhere other than a trailing "/*"');
  if (base.length > 1 && base.endsWith("/")) throw invalid(pattern, "ends in /: requests are matched without their trailing slash, so write it without");
  if (prefix && base === "/") throw invalid(pattern, 'has an empty segment; "/*" alone means every path');
  if (normalizePath(base) !== base) {
    throw invalid(pattern, "is not in normalised form (no //, no . or .. segments, no %-encoded letters, digits or -._~, no encoded / \\ % ;, upper-case hex)");
  }
  const segments: PatternSegment[] = [];
  const names = new Set<string>();
  for (const raw of base === "/" ? [] : base.slice(1).split("/")) {
    if (raw.startsWith(":")) {
      const name = raw.slice(1);
      if (!PARAM_NAME.test(name)) throw invalid(pattern, `has a parameter ${JSON.stringify(raw)}; names are letters, digits and _`);
      if (names.has(name)) throw invalid(pattern, `names the parameter :${name} twice`);
      names.add(name);
      segments.push({ kind: "param", name });
      continue;
    }
    // Requests lose their ";params" before matching (Tomcat-style servers ignore them), so a
    // literal containing ";" could never match anything.
    if (raw.includes(";")) throw invalid(pattern, 'contains ";": path parameters are removed from requests before matching');
    segments.push({ kind: "literal", value: options.caseSensitive ? raw : raw.toLowerCase() });
  }
  return { source: pattern, segments, prefix };
}

/**
 * Parses one `method`: `"*"` (the default), a method name, or a non-empty list of names.
 * Names are upper-cased (fetch leaves a custom `patch` in lower case, servers often do not) and
 * HEAD is folded into GET: the origin answers a HEAD like a GET minus the body, so a GET rule
 * has to cover it.
 */
export function parseRouteMethods(method: unknown): RouteMethods {
  if (method === undefined || method === "*") return "*";
  const list = typeof method === "string" ? [method] : method;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigurationError(`route method ${JSON.stringify(method)} must be "*", a method name or a non-empty list of names`);
  const out = new Set<string>();
  for (const item of list as unknown[]) {
    if (typeof item !== "string" || !TOKEN.test(item) || item === "*") {
      throw new ConfigurationError(`route method ${JSON.stringify(item)} is not a method name ("*" only stands alone)`);
    }
    out.add(matchedMethod(item));
  }
  return [...out];
}

/** The method a request is matched as. */
export function matchedMethod(method: string): string {
  const upper = method.toUpperCase();
  return upper === "HEAD" ? "GET" : upper;
}

function invalid(pattern: unknown, why: string): ConfigurationError {
  return new ConfigurationError(`route path ${JSON.stringify(pattern)} ${why}`);
}
