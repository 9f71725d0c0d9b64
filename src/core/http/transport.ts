/**
 * Where a session token travels: an HttpOnly cookie for browsers, the
 * `Authorization: Bearer` header for API clients.
 */
export interface CookieOptions {
  name: string;
  secure: boolean;
}

export type TokenSource = "bearer" | "cookie";

export interface PresentedToken {
  token: string;
  source: TokenSource;
}

/** The bearer header wins: an API client that sends one means it. */
export function readToken(request: Request, cookie: CookieOptions): PresentedToken | null {
  const authorization = request.headers.get("authorization");
  if (authorization !== null) {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization.trim());
    return match === null ? null : { token: match[1]!, source: "bearer" };
  }
  const header = request.headers.get("cookie");
  if (header === null) return null;
  const value = readCookie(header, cookie.name);
  return value === null ? null : { token: value, source: "cookie" };
}

/** Finds one cookie without parsing the rest of the header (this is the hot path). */
export function readCookie(header: string, name: string): string | null {
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(";", start);
    if (end === -1) end = header.length;
    while (header.charCodeAt(start) === 32) start++;
    if (header.startsWith(name, start) && header.charCodeAt(start + name.length) === 61 /* = */) {
      const value = header.slice(start + name.length + 1, end).trim();
      return value.length === 0 ? null : value;
    }
    start = end + 1;
  }
  return null;
}

export function sessionCookie(cookie: CookieOptions, token: string, maxAgeSeconds: number): string {
  return serialize(cookie, token, Math.max(0, Math.floor(maxAgeSeconds)));
}

export function clearedCookie(cookie: CookieOptions): string {
  return serialize(cookie, "", 0);
}

function serialize(cookie: CookieOptions, value: string, maxAge: number): string {
  const secure = cookie.secure ? "; Secure" : "";
  return `${cookie.name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

/**
 * The OAuth flow's browser-binding cookie (portcullis/oauth). Named here, beside the session
 * cookie, because whatever proxies for us (the gateway) must keep both from the application.
 * `__Host-` requires Secure, so plain-http development drops the prefix.
 */
export function bindingCookieName(secure: boolean): string {
  return secure ? "__Host-portcullis-oauth" : "portcullis-oauth";
}

export const BINDING_COOKIE_NAMES: readonly string[] = [bindingCookieName(true), bindingCookieName(false)];
