import { AuthError } from "../errors.js";

/** Headers to add: what `new Headers(init)` takes, spelled out (the DOM lib's `HeadersInit` is not in every runtime's types). */
export type HeaderList = Headers | Record<string, string> | [string, string][];

const NO_STORE = { "cache-control": "no-store", "content-type": "application/json; charset=utf-8" };

export function json(status: number, body: unknown, headers?: HeaderList): Response {
  const response = new Response(JSON.stringify(body), { status, headers: NO_STORE });
  if (headers !== undefined) new Headers(headers).forEach((value, name) => response.headers.append(name, value));
  return response;
}

export function noContent(headers?: HeaderList): Response {
  const response = new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  if (headers !== undefined) new Headers(headers).forEach((value, name) => response.headers.append(name, value));
  return response;
}

/**
 * The one place errors become Responses. Unknown errors are a 500 with a generic
 * message: their text may hold internals, so it is never echoed.
 */
export function errorResponse(error: unknown, headers?: HeaderList): Response {
  const known = error instanceof AuthError ? error : new AuthError("internal_error", "internal error");
  const body: { error: { code: string; message: string } & Record<string, unknown> } = {
    error: { code: known.code, message: known.message, ...known.detail },
  };
  const response = json(known.status, body, headers);
  if (known.code === "storage_unavailable" || known.code === "audit_unavailable") response.headers.set("retry-after", "5");
  return response;
}
