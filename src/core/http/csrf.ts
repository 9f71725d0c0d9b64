import { AuthError } from "../errors.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests that a browser sent from another site.
 * Browsers always send `Origin` on cross-origin POSTs and `Sec-Fetch-Site` on
 * all requests; non-browser clients send neither and cannot ride a victim's
 * cookies, so they pass. `Origin: null` (sandboxed frames, some redirects) fails unless the
 * browser marks the request same-origin.
 */
export function assertSameOrigin(request: Request, url: URL, trustedOrigins: ReadonlySet<string>): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers.get("sec-fetch-site");
  if (site === "cross-site") throw new AuthError("csrf_rejected", "cross-site request refused");
  const origin = request.headers.get("origin");
  if (origin === null) return;
  if (origin === url.origin || trustedOrigins.has(origin)) return;
  // A page served with `Referrer-Policy: no-referrer` (the magic-link and verification pages,
  // so the token never leaks through Referer) makes the browser send `Origin: null` on its own
  // form post. `Sec-Fetch-Site` is set by the browser alone and cannot be forged by a page, so
  // "null, and the browser says same-origin" is our own page; a cross-site page that hides its
  // origin the same way still says cross-site (or, in browsers without Fetch Metadata, nothing).
  if (origin === "null" && site === "same-origin") return;
  throw new AuthError("csrf_rejected", "request origin is not trusted");
}
