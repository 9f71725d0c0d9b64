/**
 * The access decision shared by the gateway Worker (`worker/`) and the Next.js helper
 * (`next.ts`): which paths are public, where an anonymous caller is sent, which identity
 * headers the application behind us receives, and which credentials never reach it.
 *
 * Runtime-neutral on purpose (Web `Request`/`Headers`/`URL` only): the same code runs in
 * workerd, the Next Edge runtime and Node.
 */
import type { Auth } from "../core/create-auth.js";
import { AuthError, ConfigurationError } from "../core/errors.js";
import { errorResponse } from "../core/http/respond.js";
import type { AuthResult } from "../core/read-path.js";
import type { Principal } from "../ports/principal.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { TokenSource } from "../sessions/transport.js";

// ---------------------------------------------------------------------------------------------
// Path normalisation and public paths
// ---------------------------------------------------------------------------------------------

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

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

// ---------------------------------------------------------------------------------------------
// Return paths (open-redirect defence)
// ---------------------------------------------------------------------------------------------

const MAX_RETURN_LENGTH = 2048;

/**
 * Reduces an untrusted `return`/`next`/`callbackUrl` value to a same-origin relative path, or
 * "/" when it is anything else. Only values that start with a single "/" survive; rejected are
 * absolute and scheme-relative URLs (`http://evil.test`, `https:evil.test`, `//evil.test`),
 * backslash tricks (`/\evil.test`), control characters (browsers strip tabs and newlines, so
 * `/\t/evil.test` becomes `//evil.test`), and encodings that decode into any of those
 * (`/%2F%2Fevil.test`, `/%5Cevil.test`, `/%252F%252Fevil.test`). Anything that fails to parse
 * is "/" too: a malformed return value must never break sign-in.
 *
 * The result is the re-serialised path + query + fragment (so it is plain ASCII and safe in a
 * `Location` header), with dot segments resolved.
 */
export function safeReturnPath(candidate: unknown, origin: string): string {
  if (typeof candidate !== "string" || candidate.length === 0 || candidate.length > MAX_RETURN_LENGTH) return "/";
  if (!candidate.startsWith("/")) return "/";
  let base: URL;
  try {
    base = new URL(origin);
  } catch {
    return "/";
  }
  // Every decoding a later hop might apply (up to three rounds) must still be harmless.
  let layer = candidate;
  for (let round = 0; round < 4; round++) {
    if (!isHarmlessLayer(layer, base)) return "/";
    let next: string;
    try {
      next = decodeURIComponent(layer);
    } catch {
      return "/";
    }
    if (next === layer) break;
    layer = next;
  }
  let url: URL;
  try {
    url = new URL(candidate, base.origin);
  } catch {
    return "/";
  }
  if (url.origin !== base.origin || url.username !== "" || url.password !== "") return "/";
  const result = url.pathname + url.search + url.hash;
  // Dot segments can turn "/.//evil.test" into "//evil.test" after resolution.
  if (!result.startsWith("/") || result.startsWith("//") || result.startsWith("/\\")) return "/";
  return result;
}

function isHarmlessLayer(value: string, base: URL): boolean {
  if (CONTROL.test(value) || value.includes("\\")) return false;
  if (!value.startsWith("/") || value.startsWith("//")) return false;
  let url: URL;
  try {
    url = new URL(value, base.origin);
  } catch {
    return false;
  }
  return url.origin === base.origin && !url.pathname.startsWith("//");
}

// ---------------------------------------------------------------------------------------------
// Anonymous callers
// ---------------------------------------------------------------------------------------------

/** A top-level page load: GET/HEAD that accepts HTML. Everything else is an API call. */
export function isBrowserNavigation(request: Request): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const accept = request.headers.get("accept") ?? "";
  return accept
    .split(",")
    .some((range) => /^text\/html$/i.test(range.split(";")[0]!.trim()));
}

export interface UnauthenticatedOptions {
  /** Where the sign-in page lives, e.g. "/auth/sign-in". */
  signInPath: string;
  /**
   * Absolute `Location` (request origin + path). Next.js middleware needs this; the gateway
   * uses a relative one so it works whatever host name the browser used.
   */
  absoluteLocation?: boolean;
}

/**
 * Browsers navigating to a protected page get a 303 to the sign-in page with the path they
 * wanted as `return`; API callers get 401 JSON (`unauthenticated`) with `WWW-Authenticate`.
 */
export function unauthenticatedResponse(request: Request, options: UnauthenticatedOptions): Response {
  if (isBrowserNavigation(request)) {
    const url = new URL(request.url);
    const wanted = safeReturnPath(url.pathname + url.search, url.origin);
    const target = `${options.signInPath}?return=${encodeURIComponent(wanted)}`;
    const location = options.absoluteLocation === true ? new URL(target, url.origin).href : target;
    return new Response(null, { status: 303, headers: { location, "cache-control": "no-store", vary: "accept" } });
  }
  const response = errorResponse(new AuthError("unauthenticated", "sign in first"));
  response.headers.set("www-authenticate", 'Bearer realm="portcullis"');
  response.headers.set("vary", "accept");
  return response;
}

/**
 * When `authenticate` throws (a store failed or timed out) the answer is 503 with
 * `Retry-After`, never "let the request through" and never "treat as anonymous".
 */
export function failClosedResponse(error: unknown): Response {
  return errorResponse(error);
}

// ---------------------------------------------------------------------------------------------
// Identity headers
// ---------------------------------------------------------------------------------------------

/** Every identity header starts with this; all incoming headers with it are removed. */
export const IDENTITY_HEADER_PREFIX = "x-portcullis-";

export const IDENTITY_HEADERS = {
  userId: "x-portcullis-user-id",
  email: "x-portcullis-email",
  emailVerified: "x-portcullis-email-verified",
  /** UTF-8 percent-encoded outside printable ASCII (and `%` itself): read with decodeURIComponent. */
  name: "x-portcullis-name",
  /** Absolute session expiry, ISO 8601. */
  sessionExpires: "x-portcullis-session-expires",
  /** RFC 8176 `amr` values, comma-separated ("pwd"). */
  authMethods: "x-portcullis-auth-methods",
} as const;

/**
 * Next.js reads this header to skip middleware (CVE-2025-29927); no client has a reason to send
 * it, so it never travels past us.
 */
const INTERNAL_HEADERS = ["x-middleware-subrequest"];

/**
 * Percent-encodes what a header value cannot carry: non-ASCII (as UTF-8), control characters
 * and `%` itself (so decoding is unambiguous). Plain ASCII passes unchanged.
 */
export function encodeHeaderValue(value: string): string {
  let out = "";
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code >= 0x20 && code < 0x7f && char !== "%") {
      out += char;
      continue;
    }
    try {
      out += encodeURIComponent(char);
    } catch {
      out += "%EF%BF%BD"; // a lone surrogate has no UTF-8 form: U+FFFD, as TextEncoder would write
    }
  }
  return out;
}

/** A copy of `headers` without any `x-portcullis-*` header (any letter case) or Next's internal ones. */
export function stripIdentityHeaders(headers: Headers): Headers {
  const copy = new Headers(headers);
  const doomed: string[] = [];
  // Headers iterates lower-cased names; collect first, deleting while iterating skips entries.
  copy.forEach((_value, name) => {
    const lower = name.toLowerCase();
    if (lower.startsWith(IDENTITY_HEADER_PREFIX) || INTERNAL_HEADERS.includes(lower)) doomed.push(lower);
  });
  for (const name of doomed) copy.delete(name);
  return copy;
}

/** The identity headers for one authenticated principal. */
export function identityHeaders(principal: Principal, session: SessionRecord): Record<string, string> {
  const out: Record<string, string> = {
    [IDENTITY_HEADERS.userId]: encodeHeaderValue(principal.id),
    [IDENTITY_HEADERS.email]: encodeHeaderValue(principal.email),
    [IDENTITY_HEADERS.emailVerified]: principal.emailVerified ? "true" : "false",
    [IDENTITY_HEADERS.sessionExpires]: session.expiresAt.toISOString(),
    [IDENTITY_HEADERS.authMethods]: session.amr.map(encodeHeaderValue).join(","),
  };
  // Absent rather than empty: after stripping, absence can only mean "no name".
  if (principal.name !== null && principal.name !== "") out[IDENTITY_HEADERS.name] = encodeHeaderValue(principal.name);
  return out;
}

/**
 * A copy of `headers` with every client-sent `x-portcullis-*` and `x-middleware-subrequest`
 * removed and, when `identity` is given, the identity headers set. Stripping happens first and
 * always, so a client can never smuggle an identity through a public path either.
 */
export function withIdentityHeaders(headers: Headers, identity: { principal: Principal; session: SessionRecord } | null): Headers {
  const copy = stripIdentityHeaders(headers);
  if (identity !== null) {
    for (const [name, value] of Object.entries(identityHeaders(identity.principal, identity.session))) copy.set(name, value);
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Credentials that never reach the application
// ---------------------------------------------------------------------------------------------

export interface CredentialRemovalOptions {
  cookieName: string;
  /** How the session token arrived; "bearer" also removes `Authorization`. Null when unknown. */
  source: TokenSource | null;
}

/**
 * A copy of `headers` without the session cookie (other cookies are kept) and, when the token
 * came as a bearer token, without `Authorization`. The application gets the identity headers
 * instead; holding the token would let it (or its logs) replay the session.
 */
export function removeSessionCredentials(headers: Headers, options: CredentialRemovalOptions): Headers {
  const copy = new Headers(headers);
  if (options.source === "bearer") copy.delete("authorization");
  const cookie = copy.get("cookie");
  if (cookie !== null) {
    const kept = cookie
      .split(";")
      .map((pair) => pair.trim())
      // Some stacks join repeated Cookie headers with ", "; look inside such pairs too, so the
      // token cannot ride along as part of another cookie's "value".
      .filter((pair) => pair.length > 0 && !pair.split(/,\s*/).some((part) => cookieNameOf(part) === options.cookieName));
    if (kept.length === 0) copy.delete("cookie");
    else copy.set("cookie", kept.join("; "));
  }
  return copy;
}

function cookieNameOf(pair: string): string {
  const eq = pair.indexOf("=");
  return (eq === -1 ? pair : pair.slice(0, eq)).trim();
}

// ---------------------------------------------------------------------------------------------
// The decision
// ---------------------------------------------------------------------------------------------

export interface AccessOptions {
  /** Exact paths ("/favicon.ico") and prefixes ("/public/*") served without a session. */
  publicPaths?: readonly string[];
  /** Where anonymous browsers are sent. Default `{basePath}/sign-in`; always public. */
  signInPath?: string;
  /** See `UnauthenticatedOptions.absoluteLocation`. */
  absoluteLocation?: boolean;
}

export type AccessDecision =
  /** Under `{basePath}/`: hand the request to `auth.handle`. */
  | { kind: "auth" }
  /** A public path: pass it on without authenticating (identity headers still stripped). */
  | { kind: "public"; headers: Headers }
  /** Signed in: pass it on with these headers (identity set, session credentials removed). */
  | { kind: "allow"; headers: Headers; result: Extract<AuthResult, { authenticated: true }> }
  /** Answer with this response (303 to sign-in, 401, or 503). */
  | { kind: "deny"; response: Response };

export interface AccessPolicy {
  decide(request: Request): Promise<AccessDecision>;
  readonly basePath: string;
  readonly signInPath: string;
  isPublic(pathname: string): boolean;
}

/**
 * Builds the access decision once (patterns are validated here, at start-up) for the gateway
 * and the Next helper. Routing under `{basePath}/` uses the raw pathname, exactly as
 * `auth.handle` does, so the two never disagree about which requests are auth routes.
 */
export function accessPolicy(auth: Pick<Auth, "settings" | "authenticate">, options: AccessOptions = {}): AccessPolicy {
  const { basePath } = auth.settings;
  const signInPath = options.signInPath ?? `${basePath}/sign-in`;
  if (!signInPath.startsWith("/") || signInPath.startsWith("//") || normalizePath(signInPath) !== signInPath) {
    throw new ConfigurationError(`signInPath ${JSON.stringify(signInPath)} must be a normalised absolute path`);
  }
  const isPublic = publicPathMatcher([...(options.publicPaths ?? []), signInPath]);
  const cookieName = auth.settings.cookie.name;
  const authPrefix = basePath + "/";
  const deny = { signInPath, absoluteLocation: options.absoluteLocation === true };

  return {
    basePath,
    signInPath,
    isPublic,
    async decide(request: Request): Promise<AccessDecision> {
      const { pathname } = new URL(request.url);
      if (pathname.startsWith(authPrefix)) return { kind: "auth" };
      if (isPublic(pathname)) {
        // The session cookie is ours, not the application's, on public pages too.
        const headers = removeSessionCredentials(withIdentityHeaders(request.headers, null), { cookieName, source: null });
        return { kind: "public", headers };
      }
      let result: AuthResult;
      try {
        result = await auth.authenticate(request);
      } catch (error) {
        return { kind: "deny", response: failClosedResponse(error) };
      }
      if (!result.authenticated) return { kind: "deny", response: unauthenticatedResponse(request, deny) };
      const headers = removeSessionCredentials(withIdentityHeaders(request.headers, result), { cookieName, source: result.source });
      return { kind: "allow", headers, result };
    },
  };
}
