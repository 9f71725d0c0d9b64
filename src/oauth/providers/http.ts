import { readBoundedBytes } from "../../core/http/body.js";
import { OAuthError } from "./errors.js";

/** The part of `fetch` the providers use; tests inject one, production gets the global. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Every provider endpoint call is bounded: a hung provider must not hold a request forever. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Provider answers are small JSON documents; anything larger is refused before it is parsed. */
const MAX_BODY_BYTES = 512 * 1024;

/**
 * Workers throws "Illegal invocation" when the global fetch is called with another `this`
 * (e.g. stored on an object), so the default is a wrapper, not the bare reference.
 */
export function resolveFetch(custom: FetchLike | undefined): FetchLike {
  return custom ?? ((input, init) => fetch(input, init));
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  /** The parsed body, or `undefined` when it was not JSON. */
  body: unknown;
}


/**
 * One bounded call to a provider endpoint. Redirects are never followed: a token endpoint that
 * redirects would have the client secret re-sent somewhere else. Transport failures and timeouts
 * become `provider_unavailable`; the caller judges the status and the body.
 */
export async function requestJson(fetchImpl: FetchLike, url: string, init: RequestInit, what: string, timeoutMs: number): Promise<JsonAnswer> {
  let response: Response;
  try {
    response = await fetchImpl(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new OAuthError("provider_unavailable", `${what}: the provider could not be reached`);
  }
  let bytes: Uint8Array | null;
  try {
    bytes = await readBoundedBytes(response, MAX_BODY_BYTES);
  } catch {
    throw new OAuthError("provider_unavailable", `${what}: the answer could not be read`);
  }
  if (bytes === null) throw new OAuthError("invalid_response", `${what}: the answer is too large`);
  const text = new TextDecoder().decode(bytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body };
}

/** 5xx and 429 are the provider's trouble, not the user's: say so, so the flow can tell them to retry. */
export function assertAvailable(answer: JsonAnswer, what: string): void {
  if (answer.status >= 500 || answer.status === 429) {
    throw new OAuthError("provider_unavailable", `${what}: the provider answered ${answer.status}`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** application/x-www-form-urlencoded, as RFC 6749 2.3.1 wants for both halves of Basic credentials. */
function formEncode(value: string): string {
  return new URLSearchParams([["", value]]).toString().slice(1);
}

/** RFC 6749 2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`; the encoding keeps btoa in ASCII. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

/** http is only for a loopback issuer (local tests); everything real is https. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]");
}

/**
 * An endpoint the client sends secrets or trusts keys from: https, or http on loopback when the
 * configuration itself is http on loopback. Returns the parsed URL or null.
 */
export function secureEndpoint(value: unknown, allowLoopbackHttp: boolean): URL | null {
  if (typeof value !== "string") return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username !== "" || url.password !== "" || url.hash !== "") return null;
  if (url.protocol === "https:") return url;
  return allowLoopbackHttp && isLoopbackHttp(url) ? url : null;
}
