/**
 * The HTML a browser sees at the auth routes, without JavaScript: sign-in and sign-up pages at
 * `GET {base}/sign-in` and `GET {base}/sign-up`, whose urlencoded forms are translated into
 * the JSON API (sign-in, sign-up, sign-out, magic link), then into a redirect or the page again.
 * Shared by the gateway and the Next.js helper, so an embedded app gets the same pages.
 */
import type { Auth } from "../core/auth.js";
import { AuthError } from "../core/errors.js";
import { isLoopbackHost } from "../core/http/public-origin.js";
import { safeReturnPath } from "../core/http/return-path.js";
import { apiError, callApi, copyCookies, isFormPost, readForm, seeOther } from "./form-api.js";
import { formMessage, redirectErrorMessage } from "./messages.js";
import type { Principal } from "../ports/principal.js";
import { renderFormPage, renderMessagePage, type FormKind, type SignInAlternatives } from "./pages.js";
import { signedInPage } from "./status-pages.js";

export interface AuthPagesOptions {
  /**
   * Other ways in, offered on the sign-in page. Only the links and forms: the routes behind them
   * come from the plugins given to `createAuth` (oauth, magicLink), which must match.
   */
  signIn?: SignInAlternatives;
  /** The password policy's minimum, mirrored in the sign-up form (`emailPasswordPlugin.policy.minLength`). Default 8. */
  passwordMinLength?: number;
  /**
   * DEVELOPMENT ONLY: the dev mailer's inbox page, served at `{base}/dev/inbox` and only to
   * requests addressed to a loopback host (it lists live sign-in links for every address).
   */
  devInbox?: () => Response;
}

export interface AuthPages {
  /** The page or form answer for this request, or null when it is not one of ours. */
  handle(request: Request): Promise<Response | null>;
}

const NO_ALTERNATIVES: SignInAlternatives = { providers: [], magicLink: false };

export function authPages(auth: Auth, options: AuthPagesOptions = {}): AuthPages {
  const { basePath } = auth.settings;
  const alternatives = options.signIn ?? NO_ALTERNATIVES;
  const minPasswordLength = options.passwordMinLength ?? 8;
  const pages = new Map<string, FormKind>([
    [`${basePath}/sign-in`, "sign-in"],
    [`${basePath}/sign-up`, "sign-up"],
  ]);
  const signOutPath = `${basePath}/sign-out`;
  const magicLinkPath = alternatives.magicLink ? `${basePath}/magic-link` : null;
  const inboxPath = `${basePath}/dev/inbox`;

  return {
    async handle(request: Request): Promise<Response | null> {
      const url = new URL(request.url);
      const page = pages.get(url.pathname);
      const isForm = isFormPost(request);
      const isRead = request.method === "GET" || request.method === "HEAD";
      if (page !== undefined && isRead) {
        const returnPath = safeReturnPath(url.searchParams.get("return"), url.origin);
        const signedIn = await currentSession(request);
        if (signedIn !== null) return signedInPage({ principal: signedIn, basePath, returnPath, headOnly: request.method === "HEAD" });
        return formPage(page, {
          returnPath,
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
      return null;
    },
  };

  /**
   * Who is already signed in with a session, for the sign-in page to say so. A store that fails
   * here only costs the notice: the form is shown, and signing in will answer 503 itself.
   */
  async function currentSession(request: Request): Promise<Principal | null> {
    try {
      const result = await auth.authenticate(request);
      return result.authenticated && result.source !== "api_key" ? result.principal : null;
    } catch {
      return null;
    }
  }

  /**
   * Only for a request addressed to this machine: a deployment that enabled the dev mailer by
   * mistake still does not publish the inbox on its real hostname.
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
      minPasswordLength,
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

  /**
   * A sign-out button: the API's 204 becomes a 303 to the sign-in page, cookie cleared. A
   * `return` field ("sign in as someone else") is carried to the sign-in page.
   */
  async function signOutForm(request: Request): Promise<Response> {
    let returnPath: string | null = null;
    try {
      const requested = (await readForm(request, auth)).get("return");
      if (requested !== null) returnPath = safeReturnPath(requested, new URL(request.url).origin);
    } catch {
      // An unreadable form still signs out; it only loses where to go next.
    }
    // The body is read: the API call gets the same method, URL and headers, without it.
    const headers = new Headers(request.headers);
    headers.delete("content-length");
    headers.delete("content-type");
    const api = await auth.handle(new Request(request.url, { method: "POST", headers }));
    if (api.ok) return seeOther(returnPath === null ? `${basePath}/sign-in` : `${basePath}/sign-in?return=${encodeURIComponent(returnPath)}`, api);
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
}
