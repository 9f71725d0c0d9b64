/**
 * The identity the application behind us receives (x-portcullis-* headers), and the
 * credentials it never does (the session cookie, a bearer token).
 */
import type { Principal } from "../ports/principal.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { TokenSource } from "../core/http/transport.js";

/** Every identity header starts with this; all incoming headers with it are removed. */
export const IDENTITY_HEADER_PREFIX = "x-portcullis-";

export const IDENTITY_HEADERS = {
  userId: "x-portcullis-user-id",
  email: "x-portcullis-email",
  emailVerified: "x-portcullis-email-verified",
  /** UTF-8 percent-encoded outside printable ASCII (and `%` itself): read with decodeURIComponent. */
  name: "x-portcullis-name",
  /** "user" or "api_key". */
  principalType: "x-portcullis-principal-type",
  /** For an API key: the key's public id (the owner's id is in `userId`). */
  apiKeyId: "x-portcullis-api-key-id",
  /** The tenant the session or key acts in; absent outside any tenant. */
  tenantId: "x-portcullis-tenant-id",
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

/**
 * A copy of `headers` without any header that is, or could be read as, an identity header or
 * one of Next's internal ones: any letter case, and with `_` for `-` (`x_portcullis_user_id`),
 * because CGI, WSGI, PHP and several proxies map both to the same name (HTTP_X_PORTCULLIS_USER_ID).
 */
export function stripIdentityHeaders(headers: Headers): Headers {
  const copy = new Headers(headers);
  const doomed: string[] = [];
  // Headers iterates lower-cased names; collect first, deleting while iterating skips entries.
  copy.forEach((_value, name) => {
    const folded = name.toLowerCase().replaceAll("_", "-");
    if (folded.startsWith(IDENTITY_HEADER_PREFIX) || INTERNAL_HEADERS.includes(folded)) doomed.push(name);
  });
  for (const name of doomed) copy.delete(name);
  return copy;
}

/** The identity headers for one authenticated principal. */
export function identityHeaders(principal: Principal, session: SessionRecord | null): Record<string, string> {
  if (principal.type === "api_key") {
    // No email, name, session expiry or amr: an API key has none. The owner is the user id.
    const key: Record<string, string> = {
      [IDENTITY_HEADERS.principalType]: "api_key",
      [IDENTITY_HEADERS.userId]: encodeHeaderValue(principal.ownerId),
      [IDENTITY_HEADERS.apiKeyId]: encodeHeaderValue(principal.id),
    };
    if (principal.tenantId !== null) key[IDENTITY_HEADERS.tenantId] = encodeHeaderValue(principal.tenantId);
    return key;
  }
  if (session === null) throw new TypeError("a user principal comes with a session");
  const out: Record<string, string> = {
    [IDENTITY_HEADERS.principalType]: "user",
    [IDENTITY_HEADERS.userId]: encodeHeaderValue(principal.id),
    [IDENTITY_HEADERS.email]: encodeHeaderValue(principal.email),
    [IDENTITY_HEADERS.emailVerified]: principal.emailVerified ? "true" : "false",
    [IDENTITY_HEADERS.sessionExpires]: session.expiresAt.toISOString(),
    [IDENTITY_HEADERS.authMethods]: session.amr.map(encodeHeaderValue).join(","),
  };
  // Absent rather than empty: after stripping, absence can only mean "no name".
  if (principal.name !== null && principal.name !== "") out[IDENTITY_HEADERS.name] = encodeHeaderValue(principal.name);
  if (session.tenantId !== null) out[IDENTITY_HEADERS.tenantId] = encodeHeaderValue(session.tenantId);
  return out;
}

/**
 * A copy of `headers` with every client-sent `x-portcullis-*` and `x-middleware-subrequest`
 * removed and, when `identity` is given, the identity headers set. Stripping happens first and
 * always, so a client can never smuggle an identity through a public path either.
 */
export function withIdentityHeaders(headers: Headers, identity: { principal: Principal; session: SessionRecord | null } | null): Headers {
  const copy = stripIdentityHeaders(headers);
  if (identity !== null) {
    for (const [name, value] of Object.entries(identityHeaders(identity.principal, identity.session))) copy.set(name, value);
  }
  return copy;
}

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
