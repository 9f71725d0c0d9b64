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
 * `index.ts` wires it to D1 and the Argon2 WASM module.
 */
import type { Auth } from "../src/core/create-auth.js";
import { AuthError } from "../src/core/errors.js";
import { json } from "../src/core/http/respond.js";
import { bindingCookie } from "../src/oauth/flow/binding-cookie.js";
import { accessPolicy, safeReturnPath, type RouteAuthorizationOptions } from "../src/runtimes/access/index.js";
import { isLoopbackHost } from "./env-values.js";
import { apiError, callApi, copyCookies, isFormPost, readForm, seeOther } from "./form-api.js";
import { formMessage, redirectErrorMessage } from "./messages.js";
import { renderFormPage, renderMessagePage, type FormKind, type SignInAlternatives } from "./pages.js";

export interface GatewayOptions {
  auth: Auth;
  originUrl: URL | string;
  publicPaths?: readonly string[];
  /** Per-route authorization rules with the permission check (and audit) they use; compiled here. */
  routes?: RouteAuthorizationOptions;
  /** How the origin is reached; `fetch` by default. Tests inject a fake origin. */
  fetchOrigin?: (request: Request) => Promise<Response>;
  /**
   * Other ways in, offered on the sign-in page. Only the links and forms: the routes behind them
   * come from the plugins given to `createAuth` (oauth, magicLink), which must match.
   */
  signIn?: SignInAlternatives;
  /**
   * DEVELOPMENT ONLY: the dev mailer's inbox page, served at `{base}/dev/inbox` and only to
   * requests addressed to a loopback host (it lists live sign-in links for every address).
   */
  devInbox?: () => Response;
}

export interface Gateway {
  fetch(request: Request): Promise<Response>;
}

/** RFC 9110 7.6.1 connection-specific headers, plus Host (the origin's own is set by fetch). */
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host"];

const NO_ALTERNATIVES: SignInAlternatives = { providers: [], magicLink: false };

export function createGateway(options: GatewayOptions): Gateway {
  const { auth } = options;
  const origin = new URL(options.originUrl);
  const originPrefix = origin.pathname.replace(/\/+$/, "");
  const fetchOrigin = options.fetchOrigin ?? ((request: Request): Promise<Response> => fetch(request));
  // Validates the public-path patterns and route rules now, not on the first request that needs them.
  const policy = accessPolicy(auth, { publicPaths: options.publicPaths ?? [], ...(options.routes === undefined ? {} : { routes: options.routes }) });
  const { basePath } = auth.settings;
  const alternatives = options.signIn ?? NO_ALTERNATIVES;
  const pages = new Map<string, FormKind>([
    [`${basePath}/sign-in`, "sign-in"],
    [`${basePath}/sign-up`, "sign-up"],
  ]);
  const signOutPath = `${basePath}/sign-out`;
  const magicLinkPath = alternatives.magicLink ? `${basePath}/magic-link` : null;
  const inboxPath = `${basePath}/dev/inbox`;
  // The OAuth flow's browser-binding cookie (Path=/) is ours like the session cookie: the
  // application behind us never gets it.
  const gatewayCookies = new Set([bindingCookie(true).name, bindingCookie(false).name]);

  return {
    async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      const page = pages.get(url.pathname);
      const isForm = isFormPost(request);
      const isRead = request.method === "GET" || request.method === "HEAD";
      if (page !== undefined && isRead) {
        return formPage(page, {
          returnPath: safeReturnPath(url.searchParams.get("return"), url.origin),
          // The OAuth plugin's error redirect lands here with `?error=<code>`.
          error: page === "sign-in" ? redirectErrorMessage(url.searchParams.get("error")) : null,
          headOnly: request.method === "HEAD",
        });
      }
      if (page !== undefined && isForm) return submitForm(page, request, url);
      if (url.pathname === signOutPath && isForm) return signOutForm(request);
      if (url.pathname === magicLinkPath && isForm) return submitMagicLink(request, url);
      if (url.pathname === inboxPath && isRead && inboxServed(url)) {
        const inbox = options.devInbox!();
        return request.method === "HEAD" ? new Response(null, inbox) : inbox;
      }

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

  /**
   * Only for a request addressed to this machine: a deployment that enabled the dev mailer by
   * mistake still does not publish the inbox on its real hostname (config.ts refuses it too).
   */
  function inboxServed(url: URL): boolean {
    return options.devInbox !== undefined && isLoopbackHost(url.hostname);
  }

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
      alternatives,
    });
  }

  /** A form that could not be read (too large, not UTF-8): the page again, with why. */
  function unreadableForm(kind: FormKind, error: unknown): Response {
    const code = error instanceof AuthError ? error.code : "internal_error";
    return formPage(kind, { returnPath: "/", error: formMessage(code, "The form could not be read."), status: error instanceof AuthError ? error.status : 500 });
  }

  /** The API refused: the form again with the reason (and the API's Retry-After for a 503). */
  async function refusedForm(kind: FormKind, api: Response, state: { returnPath: string; email: string; name?: string }): Promise<Response> {
    const error = await apiError(api);
    const response = formPage(kind, { ...state, error: formMessage(error.code, error.message), status: api.status });
    const retryAfter = api.headers.get("retry-after");
    if (retryAfter !== null) response.headers.set("retry-after", retryAfter);
    return response;
  }

  /** Turns a browser form post into the JSON API call, then into a redirect or the form again. */
  async function submitForm(kind: FormKind, request: Request, url: URL): Promise<Response> {
    let form: URLSearchParams;
    try {
      form = await readForm(request, auth);
    } catch (error) {
      return unreadableForm(kind, error);
    }
    const returnPath = safeReturnPath(form.get("return"), url.origin);
    const email = form.get("email") ?? "";
    const name = (form.get("name") ?? "").trim();
    const body: Record<string, unknown> = { email, password: form.get("password") ?? "", transport: "cookie" };
    if (kind === "sign-up") body.name = name === "" ? null : name;

    const api = await callApi(auth, request, body);
    // With settings.requireVerifiedEmail, sign-up issues no session: 202, whether or not the
    // address was already taken (so the page must not say which), and a mail goes out.
    if (api.status === 202) return checkEmailPage(url, email, "We sent a message to {email} with the next step. Open the link in it to confirm your address, then sign in.", returnPath);
    if (api.ok) return seeOther(returnPath, api);
    return refusedForm(kind, api, { returnPath, email, name });
  }

  /** The sign-in page's "email me a link" form: the plugin answers the same whether or not the address has an account. */
  async function submitMagicLink(request: Request, url: URL): Promise<Response> {
    let form: URLSearchParams;
    try {
      form = await readForm(request, auth);
    } catch (error) {
      return unreadableForm("sign-in", error);
    }
    const returnPath = safeReturnPath(form.get("return"), url.origin);
    const email = form.get("email") ?? "";
    const api = await callApi(auth, request, { email, return: returnPath });
    if (api.ok) return checkEmailPage(url, email, "If {email} can sign in here, a sign-in link is on its way. It works once and expires soon.", returnPath);
    return refusedForm("sign-in", api, { returnPath, email });
  }

  function checkEmailPage(url: URL, email: string, template: string, returnPath: string): Response {
    const links = [{ href: `${basePath}/sign-in?return=${encodeURIComponent(returnPath)}`, text: "Back to sign-in" }];
    if (inboxServed(url)) links.unshift({ href: inboxPath, text: "Open the development inbox" });
    // Escaped by the page; the address is the visitor's own input, echoed to them only.
    return renderMessagePage({ title: "Check your email", message: template.replace("{email}", email.trim() || "your address"), status: 200, tone: "info", links });
  }

  /** A sign-out button: the API's 204 becomes a 303 to the sign-in page, cookie cleared. */
  async function signOutForm(request: Request): Promise<Response> {
    const api = await auth.handle(request);
    if (api.ok) return seeOther(`${basePath}/sign-in`, api);
    const error = await apiError(api);
    const response = renderMessagePage({
      title: "Sign-out failed",
      message: formMessage(error.code, "Sign-out failed."),
      status: api.status,
      links: [{ href: "/", text: "Back" }],
    });
    copyCookies(api, response);
    return response;
  }

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
