import { bindingCookieName, readCookie } from "../../core/http/transport.js";

/**
 * The browser binding: a random secret set as a cookie when a flow starts; the state record keeps
 * only its SHA-256. A callback is accepted only from the browser that holds it, so a code and
 * state captured elsewhere (or an attacker's own, planted in a victim's browser: login CSRF)
 * cannot be completed in another browser (RFC 9700 4.7, ASVS V10).
 */
export interface BindingCookie {
  name: string;
  secure: boolean;
}

/** `__Host-` pins the cookie to this exact host (no Domain, Path=/, Secure); without Secure it must not claim the prefix. */
export function bindingCookie(secure: boolean): BindingCookie {
  return { name: bindingCookieName(secure), secure };
}

export function setBinding(cookie: BindingCookie, value: string, maxAgeSeconds: number): string {
  return serialize(cookie, value, maxAgeSeconds);
}

export function clearBinding(cookie: BindingCookie): string {
  return serialize(cookie, "", 0);
}

export function readBinding(request: Request, cookie: BindingCookie): string | null {
  const header = request.headers.get("cookie");
  return header === null ? null : readCookie(header, cookie.name);
}

// SameSite=Lax, not Strict: the callback is a top-level navigation coming from the provider's site.
function serialize(cookie: BindingCookie, value: string, maxAge: number): string {
  return `${cookie.name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${cookie.secure ? "; Secure" : ""}`;
}
