/**
 * portcullis/gateway: the identity-aware proxy engine, runtime-neutral (Web APIs only): which
 * paths are public, per-route rules decided by the authorization engine, identity headers, the
 * sign-in pages, and `createGateway` in front of an origin. portcullis/worker runs it on
 * Cloudflare from Worker variables; portcullis/next uses the same decisions inside Next.js.
 */
export { normalizePath, parseList, publicPathMatcher } from "./paths.js";
export { safeReturnPath } from "../core/http/return-path.js";
export { isLoopbackHost } from "../core/http/public-origin.js";
export { acceptsHtml, failClosedResponse, isBrowserNavigation, unauthenticatedResponse, type UnauthenticatedOptions } from "./responses.js";
export {
  encodeHeaderValue,
  identityHeaders,
  IDENTITY_HEADER_PREFIX,
  IDENTITY_HEADERS,
  removeSessionCredentials,
  stripIdentityHeaders,
  withIdentityHeaders,
  type CredentialRemovalOptions,
} from "./identity-headers.js";
export { accessPolicy, type AccessDecision, type AccessOptions, type AccessPolicy } from "./policy.js";
export {
  compileRouteRules,
  type CompiledRouteRule,
  type OriginPathStyle,
  type RouteMatch,
  type RouteRequirement,
  type RouteRule,
  type RouteRuleMatcher,
  type RouteRuleOptions,
} from "./route-rules.js";
export { matchedMethod, parseRouteMethods, parseRoutePattern, type PatternSegment, type RouteMethods, type RoutePattern } from "./route-pattern.js";
export {
  routeAuthorization,
  type PermissionCheck,
  type PermissionDecision,
  type RouteAudit,
  type RouteAuthorization,
  type RouteAuthorizationOptions,
  type RouteCheckContext,
  type RouteDenial,
  type RouteDenialReason,
  type RouteIdentity,
  type RoutePolicy,
  type RouteVerdict,
} from "./route-authorization.js";
export { auditRouteDenials, routeDenialEvent, type RouteDenialAuditOptions } from "./route-audit.js";
export { authorizerCheck, type AuthorizerCheckOptions } from "./authorizer-check.js";
export { createGateway, type Gateway, type GatewayOptions } from "./gateway.js";
export { authPages, type AuthPages, type AuthPagesOptions } from "./auth-pages.js";
export type { ProviderLink, SignInAlternatives } from "./pages.js";
