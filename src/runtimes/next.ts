/**
 * Portcullis as Next.js middleware (`middleware.ts`, Edge runtime) or Next 16 `proxy.ts`.
 * The contract is plain Web types: `Request` in, `Response | undefined` out (undefined means
 * "continue to the app"), so this file does not import `next`.
 *
 * Wiring (middleware.ts or proxy.ts at the project root):
 *
 * ```ts
 * import { NextResponse } from "next/server";
 * import { createAuth } from "portcullis";
 * import { nextAuthMiddleware } from "portcullis/next";
 *
 * const auth = createAuth({ stores, settings: { basePath: "/auth" } });
 * const portcullis = nextAuthMiddleware(auth, {
 *   publicPaths: ["/", "/favicon.ico", "/_next/*", "/login"],
 *   signInPath: "/login",          // your page; it reads ?return= through safeReturnPath()
 *   // Required for identity headers: Next forwards these as the request headers the app sees.
 *   forward: (headers) => NextResponse.next({ request: { headers } }),
 * });
 *
 * export default portcullis;                       // Next 16 proxy.ts
 * // export const middleware = portcullis;         // middleware.ts (Edge runtime)
 * export const config = { matcher: ["/((?!_next/static|_next/image).*)"] };
 * ```
 *
 * Server components then read `headers().get("x-portcullis-user-id")` (see IDENTITY_HEADERS).
 *
 * Notes:
 * - `{basePath}/*` (sign-up, sign-in, sign-out, session, JWKS) is answered here through
 *   `auth.handle`; those are JSON endpoints. `auth.handle` has no HTML sign-in page, so point
 *   `signInPath` at a page of your app (it is treated as public automatically).
 * - Without `forward`, signed-in requests continue with their ORIGINAL headers: the app then
 *   gets no identity headers and must not trust any `x-portcullis-*` header it sees. Pass
 *   `forward` so client-sent ones are stripped on every path, public ones included.
 * - The session cookie (and a bearer `Authorization`) are removed from the forwarded headers,
 *   so route handlers cannot read the token; use the identity headers instead.
 * - `routes` puts the gateway's per-route rules in front of the app too:
 *   `routes: { rules: [{ path: "/admin/*", permission: "admin:read" }], check: authorizerCheck(authorizer) }`.
 *   A denial is a JSON 403 (a signed-out browser is still sent to sign-in first).
 * - Stripping `x-middleware-subrequest` keeps it away from the app, but Next reads that header
 *   BEFORE middleware runs (CVE-2025-29927): run a patched Next (>= 15.2.3 / 14.2.25) or put the
 *   Portcullis gateway Worker in front, which strips it before Next ever sees it.
 */
import type { Auth } from "../core/create-auth.js";
import { errorResponse } from "../core/http/respond.js";
import type { Authorizer } from "../authz/authorizer.js";
import { forbiddenResponse, requestEnvironment, unauthenticatedResponse, type RequestEnvironmentOptions } from "../authz/http.js";
import { requirePermissionString } from "../authz/permission.js";
import type { Decision } from "../authz/types.js";
import type { AuthzResource, AuthzSubject, Permission } from "../ports/authorization.js";
import type { Principal } from "../ports/principal.js";
import { accessPolicy, type RouteAuthorizationOptions } from "./access/index.js";

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
} from "./access/index.js";

export interface NextAuthMiddlewareOptions {
  /** Exact paths ("/favicon.ico") and prefixes ("/public/*") that need no session. */
  publicPaths?: readonly string[];
  /**
   * Where anonymous browsers are redirected (303, with `?return=<path+query>`).
   * Default `{basePath}/sign-in`. Always public.
   */
  signInPath?: string;
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
  // Next refuses relative redirect targets from middleware, hence absolute Locations.
  const policy = accessPolicy(auth, {
    publicPaths: options.publicPaths ?? [],
    ...(options.signInPath === undefined ? {} : { signInPath: options.signInPath }),
    ...(options.routes === undefined ? {} : { routes: options.routes }),
    absoluteLocation: true,
  });
  const { forward } = options;

  return async (request: Request): Promise<Response | undefined> => {
    const decision = await policy.decide(request);
    switch (decision.kind) {
      case "auth":
        return auth.handle(request);
      case "deny":
        return decision.response;
      case "public":
      case "allow":
        return forward === undefined ? undefined : forward(decision.headers);
    }
  };
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
    if (!result.authenticated) return { response: unauthenticatedResponse() };
    const resource = options.resource === undefined ? null : await options.resource(request, routeContext);
    const subject = options.subject === undefined ? result.principal : await options.subject(result.principal, request);
    const decision = await authorizer.authorize({ subject, action: permission, resource, environment: requestEnvironment(request, result, options) });
    if (!decision.allowed) return { response: forbiddenResponse(decision) };
    return { principal: result.principal, subject, decision };
  } catch (error) {
    return { response: errorResponse(error) };
  }
}
