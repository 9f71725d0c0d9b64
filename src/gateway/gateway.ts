/**
 * The gateway: Portcullis in front of an application that knows nothing about auth.
 *
 *   {base}/*            the auth HTTP surface (auth.handle, plugins included: OAuth, email
 *                       links), plus HTML sign-in / sign-up pages whose forms the gateway
 *                       translates into JSON calls (sign-in, sign-up, sign-out, magic link),
 *                       and the dev inbox ({base}/dev/inbox, DEV_INBOX and loopback hosts only)
 *   public paths        proxied without a session (client identity headers stripped)
 *   everything else     needs a session; proxied with x-portcullis-* identity headers and
 *                       without the session token, or answered 303 / 401 / 503
 *   route rules         after authentication, the most specific matching rule must allow
 *                       the request (permission or named policy), else 403 (and audited)
 *
 * Runtime-neutral (Web APIs only) so tests run it in Node and workerd with memory stores;
 * `portcullis/worker` wires it to D1 and the Argon2 WASM module from Worker variables.
 */
import type { Auth } from "../core/auth.js";
import { ConfigurationError } from "../core/errors.js";
import { json } from "../core/http/respond.js";
import { BINDING_COOKIE_NAMES } from "../core/http/transport.js";
import { authPages, type AuthPagesOptions } from "./auth-pages.js";
import { accessPolicy } from "./policy.js";
import { acceptsHtml } from "./responses.js";
import { unavailablePage } from "./status-pages.js";
import type { RouteAuthorizationOptions } from "./route-authorization.js";

export interface GatewayOptions extends AuthPagesOptions {
  auth: Auth;
  originUrl: URL | string;
  publicPaths?: readonly string[];
  /** Per-route authorization rules with the permission check (and audit) they use; compiled here. */
  routes?: RouteAuthorizationOptions;
  /** How the origin is reached; `fetch` by default. Tests inject a fake origin. */
  fetchOrigin?: (request: Request) => Promise<Response>;
  /**
   * How long to wait for the origin's response headers, in milliseconds (default 30 000); then
   * the request is abandoned and answered 504. The body, once headers arrived, streams untimed.
   */
  originTimeoutMs?: number;
  /**
   * More cookies the origin never gets. The session cookie and the OAuth flow's browser-binding
   * cookie are always kept back.
   */
  privateCookies?: readonly string[];
}

export interface Gateway {
  fetch(request: Request): Promise<Response>;
}

/** RFC 9110 7.6.1 connection-specific headers, plus Host (the origin's own is set by fetch). */
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host"];

export function createGateway(options: GatewayOptions): Gateway {
  const { auth } = options;
  const originTimeoutMs = options.originTimeoutMs ?? 30_000;
  if (!Number.isInteger(originTimeoutMs) || originTimeoutMs < 1 || originTimeoutMs > 600_000) {
    throw new ConfigurationError("createGateway: originTimeoutMs must be an integer from 1 to 600000");
  }
  const origin = new URL(options.originUrl);
  const originPrefix = origin.pathname.replace(/\/+$/, "");
  const fetchOrigin = options.fetchOrigin ?? ((request: Request): Promise<Response> => fetch(request));
  // Validates the public-path patterns and route rules now, not on the first request that needs them.
  const policy = accessPolicy(auth, { publicPaths: options.publicPaths ?? [], ...(options.routes === undefined ? {} : { routes: options.routes }) });
  const pages = authPages(auth, options);
  // The session cookie is removed by the access policy; these are the other cookies that are ours.
  const gatewayCookies = new Set([...BINDING_COOKIE_NAMES, ...(options.privateCookies ?? [])]);

  return {
    async fetch(request: Request): Promise<Response> {
      const page = await pages.handle(request);
      if (page !== null) return page;
      const url = new URL(request.url);
      const decision = await policy.decide(request);
      switch (decision.kind) {
        case "auth":
          return auth.handle(request);
        case "deny":
          return decision.response;
        case "public":
          return proxy(request, url, decision.headers, { private: false });
        case "allow":
          return proxy(request, url, decision.headers, { private: true });
      }
    },
  };

  async function proxy(request: Request, url: URL, headers: Headers, mode: { private: boolean }): Promise<Response> {
    const target = new URL(origin.href);
    // Assigned, not resolved: new URL("//evil.test/x", origin) would change the host.
    target.pathname = originPrefix + url.pathname;
    target.search = url.search;

    const outgoing = withoutCookies(withoutHopByHop(headers), gatewayCookies);
    // Only what we observed ourselves: client-sent forwarding headers are not evidence of anything.
    outgoing.delete("forwarded");
    outgoing.set("x-forwarded-host", url.host);
    outgoing.set("x-forwarded-proto", url.protocol.slice(0, -1));
    const clientIp = auth.settings.ipHeader === null ? null : request.headers.get(auth.settings.ipHeader);
    if (clientIp === null) outgoing.delete("x-forwarded-for");
    else outgoing.set("x-forwarded-for", clientIp);

    const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
    const init: RequestInit & { duplex?: "half" } = {
      method: request.method,
      headers: outgoing,
      body: hasBody ? request.body : null,
      // The browser must see the origin's redirects, not have us follow them.
      redirect: "manual",
    };
    if (hasBody) init.duplex = "half"; // Node's fetch needs it for a streamed body; workerd ignores it
    // Personalised responses must not land in a shared cache keyed only by URL.
    if (mode.private) init.cache = "no-store";

    // Only the wait for response headers is bounded: once they arrive the timer is gone, so a
    // long download or a stream is never cut off.
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, originTimeoutMs);
    init.signal = abort.signal;
    let response: Response;
    try {
      response = await fetchOrigin(new Request(target.href, init));
    } catch {
      return originFailure(request, timedOut ? "origin_timeout" : "origin_unavailable");
    } finally {
      clearTimeout(timer);
    }
    return rewriteLocation(response, url);
  }

  /** 502 (unreachable) or 504 (no answer in time): a page for a browser, JSON for an API client. */
  function originFailure(request: Request, reason: "origin_unavailable" | "origin_timeout"): Response {
    if (acceptsHtml(request)) return unavailablePage(reason, { headOnly: request.method === "HEAD" });
    const message = reason === "origin_timeout" ? "the application behind the gateway did not answer in time" : "the application behind the gateway did not answer";
    return json(reason === "origin_timeout" ? 504 : 502, { error: { code: reason, message } }, { "retry-after": "5" });
  }

  /** An origin redirect to its own address would send the browser around the gateway. */
  function rewriteLocation(response: Response, url: URL): Response {
    const location = response.headers.get("location");
    if (location === null) return response;
    let absolute: URL;
    try {
      absolute = new URL(location, origin.href);
    } catch {
      return response;
    }
    const isAbsolute = /^[a-z][a-z0-9+.-]*:/i.test(location) || location.startsWith("//");
    if (!isAbsolute || absolute.origin !== origin.origin) return response;
    const rewritten = new Response(response.body, response);
    let path = absolute.pathname;
    if (originPrefix !== "" && (path === originPrefix || path.startsWith(originPrefix + "/"))) path = path.slice(originPrefix.length) || "/";
    rewritten.headers.set("location", url.origin + path + absolute.search + absolute.hash);
    return rewritten;
  }
}

function withoutHopByHop(headers: Headers): Headers {
  const copy = new Headers(headers);
  const listed = (copy.get("connection") ?? "")
    .split(",")
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== "");
  for (const name of [...HOP_BY_HOP, ...listed]) copy.delete(name);
  return copy;
}

function withoutCookies(headers: Headers, names: ReadonlySet<string>): Headers {
  const cookie = headers.get("cookie");
  if (cookie === null) return headers;
  const kept = cookie
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "" && !names.has(pair.split("=")[0]!.trim()));
  if (kept.length === 0) headers.delete("cookie");
  else headers.set("cookie", kept.join("; "));
  return headers;
}
