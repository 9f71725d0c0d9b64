/**
 * Gateway route rules compiled into a segment trie, so a request costs one map lookup per path
 * segment (plus a little backtracking) however many rules there are, instead of a scan of
 * every rule's regular expression.
 *
 * Precedence is MOST SPECIFIC WINS, independent of declaration order. Two patterns that both
 * match are compared segment by segment from the left; at the first difference a literal beats
 * a `:param`, which beats a `/*` that ends there, and an exact end beats a `/*` at the same
 * place. Among the rules of the winning pattern, a named method beats `"*"`. When the most
 * specific pattern has no rule for the request's method, the next most specific one decides,
 * so adding a narrower rule for one method never uncovers the other methods.
 *
 * Requests are matched on `normalizePath(url.pathname)` only (never the query string), with
 * `;params` removed from each segment, empty segments (and so a trailing slash) dropped and,
 * by default, letters compared case-insensitively. A path `normalizePath` refuses is
 * `ambiguous` whenever any rule exists; the access policy denies it. So, by default, is a
 * segment that ends in a dot or a space (`/admin.`, `/admin%20`): Windows, IIS and several Java
 * stacks serve `/admin` for it, other servers a different resource, and only `pathStyle` can
 * say which the origin is (see `OriginPathStyle`).
 */
import { ConfigurationError } from "../core/errors.js";
import { normalizePath } from "./paths.js";
import { matchedMethod, parseRouteMethods, parseRoutePattern, type RouteMethods, type RoutePattern } from "./route-pattern.js";

/** One rule as configured (`ROUTE_RULES` entries have exactly this shape). */
export interface RouteRule {
  /** `"*"` (default), `"GET"`, or `["GET", "POST"]`. HEAD is matched as GET. */
  method?: string | readonly string[];
  /** See `route-pattern.ts`: `/exact`, `/prefix/*`, `/docs/:id`, `/*`. */
  path: string;
  /** A `resource:action` permission, checked by the injected `check`. Exactly one of this or `policy`. */
  permission?: string;
  /** A named policy: `"authenticated"`, `"deny"`, or one passed in `policies`. */
  policy?: string;
}

export type RouteRequirement = { kind: "permission"; permission: string } | { kind: "policy"; policy: string };

export interface CompiledRouteRule {
  /** Position in the configured list (for messages and audit). */
  readonly index: number;
  readonly methods: RouteMethods;
  readonly path: string;
  readonly requirement: RouteRequirement;
  readonly pattern: RoutePattern;
}

export type RouteMatch =
  /** No rule covers this method and path. */
  | { kind: "none" }
  /** Rules exist and the path has encodings a later hop could read differently (see `normalizePath`). */
  | { kind: "ambiguous" }
  /** `params` hold the `:param` segments as they appear in the normalised path (percent-encoding kept). */
  | { kind: "rule"; rule: CompiledRouteRule; params: Readonly<Record<string, string>> };

export interface RouteRuleMatcher {
  readonly rules: readonly CompiledRouteRule[];
  /** `pathname` is `url.pathname` (raw); it is normalised here so no caller can forget to. */
  match(method: string, pathname: string): RouteMatch;
}

/**
 * How the origin reads a path segment that ends in dots or spaces (`admin.`, `admin%20`):
 *
 *   "strict"   (default) refuse it as ambiguous: right whatever the origin is
 *   "windows"  drop trailing dots and spaces before matching, as Windows, IIS and .NET do, so
 *              `/admin.` decides like `/admin` (the origin will serve `/admin` for it)
 *   "posix"    match it as written: for origins where `admin.` is a different resource from
 *              `admin` (most Unix file servers and routers); `/admin.` is then not under `/admin`
 */
export type OriginPathStyle = "strict" | "windows" | "posix";

export interface RouteRuleOptions {
  /** Compare letters exactly (RFC 3986 says paths are case-sensitive). Default false: `/ADMIN` is `/admin`. */
  caseSensitive?: boolean;
  /** Segments ending in dots or spaces: refused (default), folded like Windows, or kept as written. */
  pathStyle?: OriginPathStyle;
  /** When given, a `policy` this returns false for is a `ConfigurationError`. */
  isKnownPolicy?: (name: string) => boolean;
}

/**
 * A concrete `resource:action` in the authorization engine's grammar (src/authz/permission.ts):
 * segments of 1 to 64 `A-Z a-z 0-9 _ - .`. No wildcards: a route asks for one permission;
 * patterns like `docs:*` belong in grants, where the engine matches them.
 */
const PERMISSION = /^[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64}$/;
const POLICY_NAME = /^[A-Za-z0-9_.:-]+$/;
const RULE_KEYS = new Set(["method", "path", "permission", "policy"]);

const NONE: RouteMatch = Object.freeze({ kind: "none" });
const AMBIGUOUS: RouteMatch = Object.freeze({ kind: "ambiguous" });
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

interface MethodTable {
  byMethod: Map<string, CompiledRouteRule>;
  any: CompiledRouteRule | null;
}

interface TrieNode {
  literals: Map<string, TrieNode> | null;
  param: TrieNode | null;
  /** Rules whose pattern ends exactly here. */
  exact: MethodTable | null;
  /** Rules whose pattern is this node followed by "/*". */
  prefix: MethodTable | null;
}

/**
 * Validates and compiles `rules` once. Every problem is a `ConfigurationError` naming the rule:
 * a malformed pattern or method, neither or both of `permission`/`policy`, an unknown key (a
 * typo like `permision` must not leave a route unprotected), and two rules with the same
 * pattern and an overlapping method (which one wins would be a guess).
 */
export function compileRouteRules(rules: readonly RouteRule[], options: RouteRuleOptions = {}): RouteRuleMatcher {
  if (!Array.isArray(rules)) throw new ConfigurationError("route rules must be an array");
  const caseSensitive = options.caseSensitive === true;
  const pathStyle = options.pathStyle ?? "strict";
  if (pathStyle !== "strict" && pathStyle !== "windows" && pathStyle !== "posix") {
    throw new ConfigurationError(`route rules: pathStyle must be "strict", "windows" or "posix", not ${JSON.stringify(pathStyle)}`);
  }
  const root = newNode();
  const compiled: CompiledRouteRule[] = [];
  rules.forEach((rule, index) => {
    const label = `route rule #${index} (${describeRule(rule)})`;
    try {
      const entry = compileRule(rule, index, caseSensitive, options.isKnownPolicy);
      if (pathStyle !== "posix" && entry.pattern.segments.some((segment) => segment.kind === "literal" && TRAILING_DOTS_SPACES.test(segment.value))) {
        throw new Error(`a segment ending in a dot or a space never matches with pathStyle "${pathStyle}" (use "posix" if the origin tells them apart)`);
      }
      insert(root, entry);
      compiled.push(entry);
    } catch (error) {
      throw new ConfigurationError(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const empty = compiled.length === 0;
  // Where each rule's :params sit, by rule index; computed once so a match without params costs nothing.
  const paramSlots = compiled.map((rule) => {
    const slots: Array<[number, string]> = [];
    rule.pattern.segments.forEach((segment, i) => {
      if (segment.kind === "param") slots.push([i, segment.name]);
    });
    return slots;
  });

  return {
    rules: compiled,
    match(method: string, pathname: string): RouteMatch {
      if (empty) return NONE;
      const path = normalizePath(pathname);
      if (path === null) return AMBIGUOUS;
      const segments = requestSegments(caseSensitive ? path : path.toLowerCase(), pathStyle);
      if (segments === null) return AMBIGUOUS;
      const rule = find(root, segments, 0, matchedMethod(method));
      if (rule === null) return NONE;
      const slots = paramSlots[rule.index]!;
      return { kind: "rule", rule, params: slots.length === 0 ? NO_PARAMS : paramsOf(slots, caseSensitive ? segments : requestSegments(path, pathStyle)!) };
    },
  };
}

function compileRule(rule: RouteRule, index: number, caseSensitive: boolean, isKnownPolicy: RouteRuleOptions["isKnownPolicy"]): CompiledRouteRule {
  if (typeof rule !== "object" || rule === null || Array.isArray(rule)) throw new Error("must be an object");
  for (const key of Object.keys(rule)) {
    if (!RULE_KEYS.has(key)) throw new Error(`unknown key ${JSON.stringify(key)} (allowed: method, path, permission, policy)`);
  }
  const pattern = parseRoutePattern(rule.path, { caseSensitive });
  const methods = parseRouteMethods(rule.method);
  const { permission, policy } = rule;
  if ((permission === undefined) === (policy === undefined)) throw new Error("needs exactly one of permission or policy");
  let requirement: RouteRequirement;
  if (permission !== undefined) {
    if (typeof permission !== "string" || !PERMISSION.test(permission)) throw new Error(`permission ${JSON.stringify(permission)} must look like resource:action`);
    requirement = { kind: "permission", permission };
  } else {
    if (typeof policy !== "string" || !POLICY_NAME.test(policy)) throw new Error(`policy ${JSON.stringify(policy)} is not a policy name`);
    if (isKnownPolicy !== undefined && !isKnownPolicy(policy)) throw new Error(`policy ${JSON.stringify(policy)} is not defined`);
    requirement = { kind: "policy", policy };
  }
  return Object.freeze({ index, methods, path: pattern.source, requirement, pattern });
}

function insert(root: TrieNode, rule: CompiledRouteRule): void {
  let node = root;
  for (const segment of rule.pattern.segments) {
    if (segment.kind === "param") {
      node = node.param ??= newNode();
      continue;
    }
    node.literals ??= new Map();
    let next = node.literals.get(segment.value);
    if (next === undefined) {
      next = newNode();
      node.literals.set(segment.value, next);
    }
    node = next;
  }
  const table = rule.pattern.prefix ? (node.prefix ??= newTable()) : (node.exact ??= newTable());
  const clash = (other: CompiledRouteRule | null | undefined): void => {
    if (other != null) throw new Error(`same path and method as rule #${other.index} (${other.path}); keep one`);
  };
  if (rule.methods === "*") {
    clash(table.any);
    table.any = rule;
    return;
  }
  for (const method of rule.methods) clash(table.byMethod.get(method));
  for (const method of rule.methods) table.byMethod.set(method, rule);
}

/**
 * Depth-first, most specific branch first; the first rule found is the most specific one. The
 * depth is bounded by the longest pattern, not by the request, since a branch ends where the
 * trie does.
 */
function find(node: TrieNode, segments: readonly string[], i: number, method: string): CompiledRouteRule | null {
  if (i === segments.length) return pick(node.exact, method) ?? pick(node.prefix, method);
  const literal = node.literals?.get(segments[i]!);
  if (literal !== undefined) {
    const found = find(literal, segments, i + 1, method);
    if (found !== null) return found;
  }
  if (node.param !== null) {
    const found = find(node.param, segments, i + 1, method);
    if (found !== null) return found;
  }
  return pick(node.prefix, method);
}

function pick(table: MethodTable | null, method: string): CompiledRouteRule | null {
  if (table === null) return null;
  return table.byMethod.get(method) ?? table.any;
}

/** Trailing dots and spaces (a space stays `%20` in a normalised path), as Windows trims them. */
const TRAILING_DOTS_SPACES = /(?:\.|%20)+$/;

/**
 * The segments a normalised path is matched on, or null when one ends in dots or spaces and
 * `style` is "strict". `;params` go because Tomcat, Jetty and Spring strip them before routing
 * (`/admin;jsessionid=1/x` reaches `/admin/x`), and empty segments go because those servers
 * collapse them too (`/admin/x/` and `/;x/admin` included).
 */
function requestSegments(path: string, style: OriginPathStyle): string[] | null {
  const out: string[] = [];
  let start = 1;
  while (start <= path.length) {
    let end = path.indexOf("/", start);
    if (end === -1) end = path.length;
    let segment = path.slice(start, end);
    const semicolon = segment.indexOf(";");
    if (semicolon !== -1) segment = segment.slice(0, semicolon);
    if (style !== "posix" && TRAILING_DOTS_SPACES.test(segment)) {
      if (style === "strict") return null;
      segment = segment.replace(TRAILING_DOTS_SPACES, "");
    }
    if (segment !== "") out.push(segment);
    start = end + 1;
  }
  return out;
}

/** `segments` in their original case: the match may have ignored case, the values do not. */
function paramsOf(slots: ReadonlyArray<[number, string]>, segments: readonly string[]): Readonly<Record<string, string>> {
  // No prototype: `:__proto__` is a valid parameter name and must not reach Object.prototype.
  const params = Object.create(null) as Record<string, string>;
  for (const [i, name] of slots) params[name] = segments[i]!;
  return params;
}

function describeRule(rule: unknown): string {
  if (typeof rule !== "object" || rule === null) return JSON.stringify(rule) ?? String(rule);
  const { method, path } = rule as { method?: unknown; path?: unknown };
  const methods = Array.isArray(method) ? method.join(",") : typeof method === "string" ? method : "*";
  return `${methods} ${typeof path === "string" ? path : JSON.stringify(path)}`.slice(0, 200);
}

function newNode(): TrieNode {
  return { literals: null, param: null, exact: null, prefix: null };
}

function newTable(): MethodTable {
  return { byMethod: new Map(), any: null };
}
