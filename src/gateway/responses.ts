/** What an anonymous or failed request is answered: 303 to sign-in, 401 JSON, or 503. */
import { AuthError } from "../core/errors.js";
import { errorResponse } from "../core/http/respond.js";
import { safeReturnPath } from "../core/http/return-path.js";

/** The request's Accept names `text/html`: a browser page load or form post, not an API call. */
export function acceptsHtml(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  return accept.split(",").some((range) => /^text\/html$/i.test(range.split(";")[0]!.trim()));
}

/** A top-level page load: GET/HEAD that accepts HTML. Everything else is an API call. */
export function isBrowserNavigation(request: Request): boolean {
  return (request.method === "GET" || request.method === "HEAD") && acceptsHtml(request);
}

export interface UnauthenticatedOptions {
  /** Where the sign-in page lives, e.g. "/auth/sign-in". */
  signInPath: string;
}

/**
 * Browsers navigating to a protected page get a 303 to the sign-in page with the path they
 * wanted as `return`; API callers get 401 JSON (`unauthenticated`) with `WWW-Authenticate`.
 */
export function unauthenticatedResponse(request: Request, options: UnauthenticatedOptions): Response {
  if (isBrowserNavigation(request)) {
    const url = new URL(request.url);
    const wanted = safeReturnPath(url.pathname + url.search, url.origin);
    // Relative: it works whatever host name the browser used (the Next helper makes it absolute).
    const location = `${options.signInPath}?return=${encodeURIComponent(wanted)}`;
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
