/**
 * The gateway's pages work without JavaScript: a browser posts an urlencoded form, the gateway
 * turns it into the JSON API call the HTTP surface expects, then answers with a redirect or a
 * page. These are the pieces every such translation shares.
 */
import type { Auth } from "../core/auth.js";
import { isFormEncoded, readBodyText } from "../core/http/body.js";

/**
 * What the browser said that the JSON API must still see: CSRF rules read Origin and
 * Sec-Fetch-Site, the audit trail reads User-Agent, the session lives in Cookie.
 */
const FORM_HEADERS_FOR_API = ["origin", "sec-fetch-site", "cookie", "user-agent"];

export function isFormPost(request: Request): boolean {
  return request.method === "POST" && isFormEncoded(request);
}

/** The form fields; throws the body reader's `AuthError` (too large, not UTF-8). */
export async function readForm(request: Request, auth: Auth): Promise<URLSearchParams> {
  return new URLSearchParams(await readBodyText(request, auth.settings.bodyLimit));
}

/**
 * The JSON call behind a form, at the same URL: the API's same-origin check then compares the
 * browser's Origin with our own, exactly as for a direct JSON call.
 */
export function callApi(auth: Auth, request: Request, body: Record<string, unknown>): Promise<Response> {
  const headers = new Headers({ "content-type": "application/json" });
  const forwarded = auth.settings.ipHeader === null ? FORM_HEADERS_FOR_API : [...FORM_HEADERS_FOR_API, auth.settings.ipHeader];
  for (const name of forwarded) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return auth.handle(new Request(request.url, { method: "POST", headers, body: JSON.stringify(body) }));
}

/** A 303 (after a POST the browser must GET the target), carrying the API's cookies. */
export function seeOther(location: string, api: Response | null): Response {
  const response = new Response(null, { status: 303, headers: { location, "cache-control": "no-store" } });
  if (api !== null) copyCookies(api, response);
  return response;
}

export function copyCookies(from: Response, to: Response): void {
  for (const cookie of from.headers.getSetCookie()) to.headers.append("set-cookie", cookie);
}

export async function apiError(response: Response): Promise<{ code: string; message: string }> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body.error?.code === "string" ? body.error.code : "internal_error";
    const message = typeof body.error?.message === "string" ? body.error.message : "Something went wrong.";
    return { code, message };
  } catch {
    return { code: "internal_error", message: "Something went wrong." };
  }
}
