import { AuthError } from "../errors.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface SameOriginPolicy {
  /** Origins besides our own that may send cookie-authenticated state-changing requests. */
  trustedOrigins: ReadonlySet<string>;
  /** `settings.publicOrigin`: our own origin as browsers see it; null means the request URL's. */
  publicOrigin: string | null;
}

/**
 * Refuses state-changing requests that a browser sent from another site (the approach of Go's
 * `http.CrossOriginProtection`):
 *
 * 1. `Sec-Fetch-Site` is set by the browser alone; a page cannot forge it. `same-origin` (and
 *    `none`, a request the user typed) pass, whatever `request.url` says: behind a proxy or
 *    under `next start` the URL the server sees is not the one the browser used, but the
 *    browser's verdict still is. It also covers `Origin: null` from our own
 *    `Referrer-Policy: no-referrer` pages. `cross-site` and `same-site` pass only from a
 *    trusted origin.
 * 2. Without Fetch Metadata (older browsers, non-browser clients): no `Origin` passes (such a
 *    client cannot ride a victim's cookies); otherwise `Origin` must be our public origin
 *    (`settings.publicOrigin`, else the request's own) or a trusted one. `Origin: null` fails.
 */
export function assertSameOrigin(request: Request, url: URL, policy: SameOriginPolicy): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers.get("sec-fetch-site");
  const origin = request.headers.get("origin");
  if (origin !== null && policy.trustedOrigins.has(origin)) return;
  if (site !== null) {
    if (site === "same-origin" || site === "none") return;
    throw new AuthError("csrf_rejected", "cross-site request refused");
  }
  if (origin === null) return;
  if (origin === (policy.publicOrigin ?? url.origin)) return;
  throw new AuthError("csrf_rejected", "request origin is not trusted");
}
