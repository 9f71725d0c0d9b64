/**
 * Portcullis in Next.js: Next 16 `proxy.ts` (Node runtime) or `middleware.ts` (Edge runtime).
 * The contract is plain Web types: `Request` in, `Response | undefined` out (undefined means
 * "continue to the app"), so this file does not import `next`.
 *
 * Wiring (proxy.ts, or middleware.ts, at the project root):
 *
 * ```ts
 * import { NextResponse } from "next/server";
 * import { nextAuthMiddleware } from "portcullis/next";
 * import { auth } from "./auth";
 *
 * export default nextAuthMiddleware(auth, {
 *   publicPaths: ["/", "/favicon.ico"],
 *   // Required for identity headers: Next forwards these as the request headers the app sees.
 *   forward: (headers) => NextResponse.next({ request: { headers } }),
 * });
 * export const config = { matcher: ["/((?!_next/static|_next/image).*)"] };
 * ```
 *
 * Server components then read `(await headers()).get("x-portcullis-user-id")` (IDENTITY_HEADERS).
 *
 * Notes:
 * - `{basePath}/*` is answered here: the HTML sign-in and sign-up pages at `GET {basePath}/sign-in`
 *   and `GET {basePath}/sign-up` (forms that work without JavaScript, the same as the gateway's),
 *   and the JSON endpoints through `auth.handle`. Signed-out page loads are sent to that sign-in
 *   page. To use a page of your own, set `signInPath` (it is public automatically; read
 *   `?return=` through `safeReturnPath()`), and `pages: false` to drop the built-in ones.
 * - Redirects carry an absolute `Location` built from `request.url`: Next answers a relative
 *   one with a 500, and turns a same-host absolute one back into a relative one, so the browser
 *   stays on the host it used even behind a proxy.
 * - Without `forward`, signed-in requests continue with their ORIGINAL headers: the app then
 *   gets no identity headers and must not trust any `x-portcullis-*` header it sees. Pass
 *   `forward` so client-sent ones are stripped on every path, public ones included.
 * - The session cookie (and a bearer `Authorization`) are removed from the forwarded headers,
 *   so route handlers cannot read the token; use the identity headers instead.
 * - `routes` puts the gateway's per-route rules in front of the app too:
 *   `routes: { rules: [{ path: "/admin/*", permission: "admin:read" }], check: authorizerCheck(authorizer) }`.
 *   A denial is a 403: a page for a browser, JSON for an API client (a signed-out browser is still
 *   sent to sign-in first).
 * - Stripping `x-middleware-subrequest` keeps it away from the app, but Next reads that header
 *   BEFORE middleware runs (CVE-2025-29927): run a patched Next (>= 15.2.3 / 14.2.25) or put the
 *   Portcullis gateway Worker in front, which strips it before Next ever sees it.
 */
import {
  forbiddenResponse,
  requestEnvironment,
  requirePermissionString,
  unauthenticatedJson,
  type Authorizer,
  type AuthzResource,
  type AuthzSubject,
  type Decision,
  type Permission,
  type RequestEnvironmentOptions,
} from "../authz/index.js";
import { accessPolicy, authPages, type AuthPagesOptions, type RouteAuthorizationOptions } from "../gateway/index.js";
import { ConfigurationError, errorResponse, type Auth, type Principal } from "../index.js";

export {
  IDENTITY_HEADERS,
  IDENTITY_HEADER_PREFIX,
  safeReturnPath,
  normalizePath,
  publicPathMatcher,
  authorizerCheck,
  auditRouteDenials,
  type AuthorizerCheckOptions,
  type RouteAuthorizationOptions,
  type RouteRule,
} from "../gateway/index.js";

export interface NextAuthMiddlewareOptions {
  /** Exact paths ("/favicon.ico") and prefixes ("/public/*") that need no session. */
  publicPaths?: readonly string[];
  /**
   * Where anonymous browsers are redirected (303, with `?return=<path+query>`). Default
   * `{basePath}/sign-in`, the built-in page. Always public.
   */
  signInPath?: string;
  /**
   * The built-in sign-in and sign-up pages (other ways in to offer, the password minimum);
   * `false` drops them, which needs a `signInPath` of your own.
   */
  pages?: AuthPagesOptions | false;
  /**
   * Continues to the app with these request headers (client `x-portcullis-*` stripped,
   * identity set when signed in, session credentials removed). Usually
   * `(headers) => NextResponse.next({ request: { headers } })`.
   */
  forward?: (headers: Headers) => Response;
  /**
   * Per-route rules, as on the gateway: after sign-in, the most specific matching rule must
   * allow the request or it is answered 403 (503 when the check fails). Usually
   * `{ rules, check: authorizerCheck(authorizer, { ipHeader }), audit: auditRouteDenials(stores.audit, { ipHeader }) }`.
   * Rules are matched on the normalised path; the sign-in page and `{basePath}/*` are never subject to them.
   */
  routes?: RouteAuthorizationOptions;
}

export type NextMiddleware = (request: Request) => Promise<Response | undefined>;

export function nextAuthMiddleware(auth: Auth, options: NextAuthMiddlewareOptions = {}): NextMiddleware {
  if (options.pages === false && options.signInPath === undefined) {
    // Without the built-in page, {basePath}/sign-in is the POST-only JSON endpoint: signed-out
    // browsers would land on a 405.
    throw new ConfigurationError("nextAuthMiddleware: with pages: false, set signInPath to your own sign-in page");
  }
  const pages = options.pages === false ? null : authPages(auth, options.pages ?? {});
  const policy = accessPolicy(auth, {
    publicPaths: options.publicPaths ?? [],
    ...(options.signInPath === undefined ? {} : { signInPath: options.signInPath }),
    ...(options.routes === undefined ? {} : { routes: options.routes }),
  });
  const { forward } = options;

  return async (request: Request): Promise<Response | undefined> => {
    const page = pages === null ? null : await pages.handle(request);
    if (page !== null) return absoluteLocation(page, request);
    const decision = await policy.decide(request);
    switch (decision.kind) {
      case "auth":
        return absoluteLocation(await auth.handle(request), request);
      case "deny":
        return absoluteLocation(decision.response, request);
      case "public":
      case "allow":
        return forward === undefined ? undefined : forward(decision.headers);
    }
  };
}

/**
 * Next answers a response whose `Location` is relative with a 500 (it parses it without a
 * base), so every redirect we return gets the request's origin; Next makes a same-host one
 * relative again on the way out. Pages, form posts, OAuth callbacks and email links redirect
 * to paths.
 */
function absoluteLocation(response: Response, request: Request): Response {
  const location = response.headers.get("location");
  if (location === null || /^[a-z][a-z0-9+.-]*:/i.test(location)) return response;
  const absolute = new URL(location, request.url).href;
  try {
    response.headers.set("location", absolute);
    return response;
  } catch {
    // Immutable headers (a Response that came from fetch): copy it.
    const copy = new Response(response.body, response);
    copy.headers.set("location", absolute);
    return copy;
  }
}

// ---------------------------------------------------------------------------
// Authorization (0.3) for route handlers and middleware chains.

export interface NextPermissionOptions<R = unknown> extends RequestEnvironmentOptions {
  /** The resource acted on (its tenant and attributes); `routeContext` is Next's `{ params }`. Default none. */
  resource?: (request: Request, routeContext: R | undefined) => AuthzResource | null | Promise<AuthzResource | null>;
  /** Builds the subject from the principal (tenant, roles, attributes). Default: the principal itself. */
  subject?: (principal: Principal, request: Request) => AuthzSubject | Promise<AuthzSubject>;
}

export interface PermissionContext {
  principal: Principal;
  subject: AuthzSubject;
  decision: Decision;
}

/**
 * Wraps a route handler (`app/api/docs/[id]/route.ts`):
 *
 * ```ts
 * export const PUT = withPermission(auth, authorizer, "doc:write", async (request, { principal }) => ..., {
 *   resource: async (request, ctx) => loadDocResource((await ctx.params).id),
 * });
 * ```
 *
 * 401 `unauthenticated` without a session, 403 `forbidden` with the decision's `reason`
 * on a denial, 503 when a store or the audit sink fails; otherwise the handler runs.
 */
export function withPermission<R = unknown>(
  auth: Auth,
  authorizer: Authorizer,
  permission: Permission,
  handler: (request: Request, context: PermissionContext, routeContext: R | undefined) => Response | Promise<Response>,
  options: NextPermissionOptions<R> = {},
): (request: Request, routeContext?: R) => Promise<Response> {
  requirePermissionString(permission, "withPermission");
  return async (request, routeContext) => {
    const checked = await checkPermission(auth, authorizer, permission, request, routeContext, options);
    return "response" in checked ? checked.response : handler(request, checked, routeContext);
  };
}

/**
 * The same check as a guard for middleware chains: `undefined` means continue,
 * a Response (401 / 403 / 503) is the answer.
 */
export function requirePermission(
  auth: Auth,
  authorizer: Authorizer,
  permission: Permission,
  options: NextPermissionOptions = {},
): (request: Request) => Promise<Response | undefined> {
  requirePermissionString(permission, "requirePermission");
  return async (request) => {
    const checked = await checkPermission(auth, authorizer, permission, request, undefined, options);
    return "response" in checked ? checked.response : undefined;
  };
}

async function checkPermission<R>(
  auth: Auth,
  authorizer: Authorizer,
  permission: Permission,
  request: Request,
  routeContext: R | undefined,
  options: NextPermissionOptions<R>,
): Promise<PermissionContext | { response: Response }> {
  try {
    const result = await auth.authenticate(request);
    if (!result.authenticated) return { response: unauthenticatedJson() };
    const resource = options.resource === undefined ? null : await options.resource(request, routeContext);
    const subject = options.subject === undefined ? result.principal : await options.subject(result.principal, request);
    const decision = await authorizer.authorize({ subject, action: permission, resource, environment: requestEnvironment(request, result, options) });
    if (!decision.allowed) return { response: forbiddenResponse(decision) };
    return { principal: result.principal, subject, decision };
  } catch (error) {
    return { response: errorResponse(error) };
  }
}
