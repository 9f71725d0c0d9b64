/**
 * Path normalisation for access decisions: public paths (and, next, gateway route rules)
 * are matched on the normalised path only, so `//public/x`, `/%70ublic/x` and
 * `/a/../public/x` decide like `/public/x`, and the query string never matters.
 */
import { ConfigurationError } from "../core/errors.js";
import { CONTROL } from "../core/http/return-path.js";

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Percent-encodings that a later hop could decode into something that changes the path's
 * meaning: `/` and `\` (segment separators), `%` (double encoding: `%252e%252e`), `;`
 * (path parameters, Tomcat's `..;/`), and control characters.
 */
const AMBIGUOUS_ENCODED = new Set([0x2f, 0x5c, 0x25, 0x3b]);

/**
 * The path as the public-path rules see it: unreserved characters percent-decoded
 * (`/%70ublic` is `/public`), duplicate slashes collapsed (`//public/x` is `/public/x`) and dot
 * segments resolved (`/a/../public` is `/public`). Matching on this form means no spelling of a
 * private path can look public.
 *
 * Returns null when the path is ambiguous: it still carries an encoded `/`, `\`, `%`, `;` or
 * control character, or a segment like `..;x`. The application behind us may decode those
 * once more and land on a different resource than the one we matched, so an ambiguous path
 * is never public (it still works; it just needs a session).
 *
 * Takes a pathname only (`url.pathname`): the query string never decides access.
 */
export function normalizePath(pathname: string): string | null {
  if (!pathname.startsWith("/") || pathname.includes("\\") || CONTROL.test(pathname)) return null;
  // A caller passing "path?query" by mistake must not get the query matched as path.
  if (pathname.includes("?") || pathname.includes("#")) return null;
  // Already normal (the common case; route rules run this on every request): with no "%" there
  // is nothing to decode, with no "//" no empty segment to collapse, and with no "/." no dot
  // segment (nor "..;") to resolve, so the loop below would rebuild the input unchanged.
  if (!pathname.includes("%") && !pathname.includes("//") && !pathname.includes("/.")) return pathname;
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
    if (segment === "" && !last) continue; // collapse "//"
    if (/^\.{1,2};/.test(segment)) return null; // "..;/" means ".." to some servers
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

/** Splits a comma-separated list (an environment variable) into trimmed, non-empty items. */
export function parseList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Compiles public-path patterns into a predicate over pathnames.
 *
 * - `"/favicon.ico"` matches that path exactly.
 * - `"/public/*"` matches `/public` and everything below it (`/public/a/b`), not `/publicity`.
 *
 * Patterns are checked once, here: one that is not already in normalised form (or uses `*`
 * anywhere but a trailing `/*`) is a `ConfigurationError`, because it could never match the
 * way its author expects.
 */
export function publicPathMatcher(patterns: readonly string[]): (pathname: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const pattern of patterns) {
    const wildcard = pattern.endsWith("/*");
    const base = wildcard ? pattern.slice(0, -2) : pattern;
    if (base.includes("*")) throw new ConfigurationError(`public path ${JSON.stringify(pattern)}: "*" is only allowed as a trailing "/*"`);
    if (wildcard && base === "") {
      prefixes.push("");
      continue;
    }
    if (normalizePath(base) !== base || (base.length > 1 && base.endsWith("/") && wildcard)) {
      throw new ConfigurationError(`public path ${JSON.stringify(pattern)} must be a normalised absolute path such as /public/* or /favicon.ico`);
    }
    if (wildcard) prefixes.push(base);
    else exact.add(base);
  }
  return (pathname: string): boolean => {
    const path = normalizePath(pathname);
    if (path === null) return false;
    if (exact.has(path)) return true;
    return prefixes.some((prefix) => path === prefix || path.startsWith(prefix + "/"));
  };
}
