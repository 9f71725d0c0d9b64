/**
 * The gateway: Portcullis in front of an application that knows nothing about auth.
 *
 *   {base}/*            the auth HTTP surface (auth.handle), plus HTML sign-in / sign-up pages
 *   public paths        proxied without a session (client identity headers stripped)
 *   everything else     needs a session; proxied with x-portcullis-* identity headers and
 *                       without the session token, or answered 303 / 401 / 503
 *   route rules         after authentication, the most specific matching rule must allow
 *                       the request (permission or named policy), else 403 (and audited)
 *
 * Runtime-neutral (Web APIs only) so tests run it in Node and workerd with memory stores;
 * `index.ts` wires it to D1 and the Argon2 WASM module.
 */
import type { Auth } from "../src/core/create-auth.js";
import { AuthError } from "../src/core/errors.js";
import { readBodyText } from "../src/core/http/body.js";
import { json } from "../src/core/http/respond.js";
import { accessPolicy, safeReturnPath, type RouteAuthorizationOptions } from "../src/runtimes/access/index.js";
import { renderFormPage, renderMessagePage, type FormKind } from "./pages.js";

export interface GatewayOptions {
  auth: Auth;
  originUrl: URL | string;
  publicPaths?: readonly string[];
  /** Per-route authorization rules with the permission check (and audit) they use; compiled here. */
  routes?: RouteAuthorizationOptions;
  /** How the origin is reached; `fetch` by default. Tests inject a fake origin. */
  fetchOrigin?: (request: Request) => Promise<Response>;
}

export interface Gateway {
  fetch(request: Request): Promise<Response>;
}

/** RFC 9110 7.6.1 connection-specific headers, plus Host (the origin's own is set by fetch). */
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host"];

/**
 * What the browser said that the JSON API must still see: CSRF rules read Origin and
 * Sec-Fetch-Site, the audit trail reads User-Agent.
 */
const FORM_HEADERS_FOR_API = ["origin", "sec-fetch-site", "cookie", "user-agent"];

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** Friendlier wording for the codes a person at a form is likely to meet. */
const FORM_MESSAGES: Record<string, string> = {
  invalid_credentials: "The email or password is incorrect.",
  invalid_email: "Enter a valid email address.",
  csrf_rejected: "This form was sent from another site, so it was refused. Open the page again and retry.",
  storage_unavailable: "The service is temporarily unavailable. Please try again in a moment.",
  audit_unavailable: "The service is temporarily unavailable. Please try again in a moment.",
  payload_too_large: "The form was too large.",
  internal_error: "Something went wrong. Please try again.",
};

export function createGateway(options: GatewayOptions): Gateway {
  const { auth } = options;
  const origin = new URL(options.originUrl);
  const originPrefix = origin.pathname.replace(/\/+$/, "");
  const fetchOrigin = options.fetchOrigin ?? ((request: Request): Promise<Response> => fetch(request));
  // Validates the public-path patterns and route rules now, not on the first request that needs them.
  const policy = accessPolicy(auth, { publicPaths: options.publicPaths ?? [], ...(options.routes === undefined ? {} : { routes: options.routes }) });
  const { basePath } = auth.settings;
  const pages = new Map<string, FormKind>([
    [`${basePath}/sign-in`, "sign-in"],
    [`${basePath}/sign-up`, "sign-up"],
  ]);
  const signOutPath = `${basePath}/sign-out`;

  return {
    async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      const page = pages.get(url.pathname);
      const isForm = request.method === "POST" && FORM_TYPE.test(request.headers.get("content-type") ?? "");
      if (page !== undefined && (request.method === "GET" || request.method === "HEAD")) {
        return formPage(page, { returnPath: safeReturnPath(url.searchParams.get("return"), url.origin), headOnly: request.method === "HEAD" });
      }
      if (page !== undefined && isForm) return submitForm(page, request, url);
      if (url.pathname === signOutPath && isForm) return signOutForm(request);

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

  function formPage(
    kind: FormKind,
    state: { returnPath: string; error?: string | null; email?: string; name?: string; status?: number; headOnly?: boolean },
  ): Response {
    return renderFormPage({
      kind,
      basePath,
      returnPath: state.returnPath,
      error: state.error ?? null,
      email: state.email ?? "",
      name: state.name ?? "",
      minPasswordLength: auth.settings.password.minLength,
      status: state.status ?? 200,
      headOnly: state.headOnly === true,
    });
  }

  /** Turns a browser form post into the JSON API call, then into a redirect or the form again. */
  async function submitForm(kind: FormKind, request: Request, url: URL): Promise<Response> {
    let form: URLSearchParams;
    try {
      form = new URLSearchParams(await readBodyText(request, auth.settings.bodyLimit));
    } catch (error) {
      const code = error instanceof AuthError ? error.code : "internal_error";
      return formPage(kind, { returnPath: "/", error: FORM_MESSAGES[code] ?? "The form could not be read.", status: error instanceof AuthError ? error.status : 500 });
    }
    const returnPath = safeReturnPath(form.get("return"), url.origin);
    const email = form.get("email") ?? "";
    const name = (form.get("name") ?? "").trim();
    const body: Record<string, unknown> = { email, password: form.get("password") ?? "", transport: "cookie" };
    if (kind === "sign-up") body.name = name === "" ? null : name;

    const headers = new Headers({ "content-type": "application/json" });
    const forwarded = auth.settings.ipHeader === null ? FORM_HEADERS_FOR_API : [...FORM_HEADERS_FOR_API, auth.settings.ipHeader];
    for (const name of forwarded) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    // Same URL, so the API's same-origin check compares the browser's Origin with our own.
    const api = await auth.handle(new Request(request.url, { method: "POST", headers, body: JSON.stringify(body) }));

    if (api.ok) {
      const response = new Response(null, { status: 303, headers: { location: returnPath, "cache-control": "no-store" } });
      for (const cookie of api.headers.getSetCookie()) response.headers.append("set-cookie", cookie);
      return response;
    }
    const error = await apiError(api);
    const response = formPage(kind, { returnPath, error: FORM_MESSAGES[error.code] ?? error.message, email, name, status: api.status });
    const retryAfter = api.headers.get("retry-after");
    if (retryAfter !== null) response.headers.set("retry-after", retryAfter);
    return response;
  }

  /** A sign-out button: the API's 204 becomes a 303 to the sign-in page, cookie cleared. */
  async function signOutForm(request: Request): Promise<Response> {
    const api = await auth.handle(request);
    const response = api.ok
      ? new Response(null, { status: 303, headers: { location: `${basePath}/sign-in`, "cache-control": "no-store" } })
      : renderMessagePage({
          title: "Sign-out failed",
          message: FORM_MESSAGES[(await apiError(api)).code] ?? "Sign-out failed.",
          status: api.status,
          linkHref: "/",
          linkText: "Back",
        });
    for (const cookie of api.headers.getSetCookie()) response.headers.append("set-cookie", cookie);
    return response;
  }

  async function proxy(request: Request, url: URL, headers: Headers, mode: { private: boolean }): Promise<Response> {
    const target = new URL(origin.href);
    // Assigned, not resolved: new URL("//evil.test/x", origin) would change the host.
    target.pathname = originPrefix + url.pathname;
    target.search = url.search;

    const outgoing = withoutHopByHop(headers);
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

    let response: Response;
    try {
      response = await fetchOrigin(new Request(target.href, init));
    } catch {
      return json(502, { error: { code: "origin_unavailable", message: "the application behind the gateway did not answer" } }, { "retry-after": "5" });
    }
    return rewriteLocation(response, url);
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

async function apiError(response: Response): Promise<{ code: string; message: string }> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body.error?.code === "string" ? body.error.code : "internal_error";
    const message = typeof body.error?.message === "string" ? body.error.message : "Something went wrong.";
    return { code, message };
  } catch {
    return { code: "internal_error", message: "Something went wrong." };
  }
}
