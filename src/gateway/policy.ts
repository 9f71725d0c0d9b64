/**
 * The access decision shared by the gateway Worker (`worker/`) and the Next.js helper
 * (`next.ts`). Runtime-neutral on purpose (Web `Request`/`Headers`/`URL` only): the same
 * code runs in workerd, the Next Edge runtime and Node.
 */
import type { Auth } from "../core/auth.js";
import { ConfigurationError } from "../core/errors.js";
import type { AuthResult } from "../core/read-path.js";
import { removeSessionCredentials, withIdentityHeaders } from "./identity-headers.js";
import { normalizePath, publicPathMatcher } from "./paths.js";
import { safeReturnPath } from "../core/http/return-path.js";
import type { Principal } from "../ports/principal.js";
import { acceptsHtml, failClosedResponse, unauthenticatedResponse } from "./responses.js";
import { forbiddenPage, unavailablePage } from "./status-pages.js";
import { routeAuthorization, type RouteAuthorization, type RouteAuthorizationOptions } from "./route-authorization.js";
import type { RouteMatch } from "./route-rules.js";

export interface AccessOptions {
  /** Exact paths ("/favicon.ico") and prefixes ("/public/*") served without a session. */
  publicPaths?: readonly string[];
  /** Where anonymous browsers are sent. Default `{basePath}/sign-in`; always public. */
  signInPath?: string;
  /**
   * Per-route authorization rules, checked after authentication and before the request goes
   * on (see `route-authorization.ts`). A path a rule matches is never public; the sign-in path
   * and everything under `{basePath}/` are never subject to rules (they are how one signs in).
   */
  routes?: RouteAuthorizationOptions;
}

export type AccessDecision =
  /** Under `{basePath}/`: hand the request to `auth.handle`. */
  | { kind: "auth" }
  /** A public path: pass it on without authenticating (identity headers still stripped). */
  | { kind: "public"; headers: Headers }
  /** Signed in (and allowed by the route rule, if one matched): pass it on with these headers (identity set, session credentials removed). */
  | { kind: "allow"; headers: Headers; result: Extract<AuthResult, { authenticated: true }> }
  /** Answer with this response (303 to sign-in, 401, 403 from a route rule, 500 or 503). */
  | { kind: "deny"; response: Response };

export interface AccessPolicy {
  decide(request: Request): Promise<AccessDecision>;
  readonly basePath: string;
  readonly signInPath: string;
  isPublic(pathname: string): boolean;
  /** The compiled route rules; null when none were configured. */
  readonly routes: RouteAuthorization | null;
}

const NO_RULE: RouteMatch = Object.freeze({ kind: "none" });

/**
 * Builds the access decision once (patterns are validated here, at start-up) for the gateway
 * and the Next helper. Routing under `{basePath}/` uses the raw pathname, exactly as
 * `auth.handle` does, so the two never disagree about which requests are auth routes.
 */
export function accessPolicy(auth: Pick<Auth, "settings" | "authenticate">, options: AccessOptions = {}): AccessPolicy {
  const { basePath } = auth.settings;
  const signInPath = options.signInPath ?? `${basePath}/sign-in`;
  if (!signInPath.startsWith("/") || signInPath.startsWith("//") || normalizePath(signInPath) !== signInPath) {
    throw new ConfigurationError(`signInPath ${JSON.stringify(signInPath)} must be a normalised absolute path`);
  }
  const isPublic = publicPathMatcher([...(options.publicPaths ?? []), signInPath]);
  const cookieName = auth.settings.cookie.name;
  const authPrefix = basePath + "/";
  const deny = { signInPath };
  const routes = options.routes === undefined ? null : routeAuthorization(options.routes);
  if (routes !== null) {
    for (const rule of routes.matcher.rules) {
      const { source, prefix } = rule.pattern;
      const base = (prefix ? source.slice(0, -2) : source).toLowerCase();
      // Auth routes are answered before any rule is consulted: such a rule would protect nothing
      // (or only the bare base path) while reading as if it protected them.
      if (base.startsWith(basePath.toLowerCase() + "/") || (prefix && base === basePath.toLowerCase())) {
        throw new ConfigurationError(`route rule #${rule.index} (${source}): paths under ${basePath}/ are the auth routes and are never subject to rules`);
      }
    }
  }

  /**
   * A browser gets a page for a refusal, an API client keeps the JSON: 403 says who is signed
   * in and offers to switch account, 503 says to retry. Other statuses pass unchanged.
   */
  function forBrowser(request: Request, response: Response, principal: Principal | null): Response {
    if (!acceptsHtml(request)) return response;
    const headOnly = request.method === "HEAD";
    if (response.status === 403 && principal !== null) {
      const url = new URL(request.url);
      return forbiddenPage({ principal, basePath, returnPath: safeReturnPath(url.pathname + url.search, url.origin), headOnly });
    }
    if (response.status === 503) return unavailablePage("service_unavailable", { retryAfter: response.headers.get("retry-after") ?? "5", headOnly });
    return response;
  }

  return {
    basePath,
    signInPath,
    isPublic,
    routes,
    async decide(request: Request): Promise<AccessDecision> {
      const { pathname } = new URL(request.url);
      if (pathname.startsWith(authPrefix)) return { kind: "auth" };
      const route = routes === null ? NO_RULE : routes.matcher.match(request.method, pathname);
      // A rule outranks PUBLIC_PATHS: when both match, the stricter reading (rule) wins. The
      // sign-in page stays reachable even under a catch-all "/*" rule.
      if ((route.kind === "none" || normalizePath(pathname) === signInPath) && isPublic(pathname)) {
        // The session cookie is ours, not the application's, on public pages too.
        const headers = removeSessionCredentials(withIdentityHeaders(request.headers, null), { cookieName, source: null });
        return { kind: "public", headers };
      }
      let result: AuthResult;
      try {
        result = await auth.authenticate(request);
      } catch (error) {
        return { kind: "deny", response: forBrowser(request, failClosedResponse(error), null) };
      }
      if (!result.authenticated) return { kind: "deny", response: unauthenticatedResponse(request, deny) };
      if (routes !== null && route.kind !== "none") {
        const verdict = await routes.authorize(request, route, { principal: result.principal, session: result.session });
        if (!verdict.allowed) return { kind: "deny", response: forBrowser(request, verdict.response, result.principal) };
      }
      const headers = removeSessionCredentials(withIdentityHeaders(request.headers, result), {
        cookieName,
        source: result.source === "api_key" ? null : result.source,
      });
      // The API key is a credential too: the application gets the identity headers, not the key.
      if (result.source === "api_key") headers.delete(result.header);
      return { kind: "allow", headers, result };
    },
  };
}
