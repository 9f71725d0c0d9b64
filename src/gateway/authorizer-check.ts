/**
 * The route rules' `PermissionCheck` backed by the authorization engine (src/authz): a rule's
 * `permission` is decided by `authorizer.authorize`, with the principal's roles and grants read
 * from the authorizer's `AssignmentSource` (for an API key: its owner's, bounded by its scopes).
 *
 * Failures are not decisions: when the assignment source fails, `authorize` rejects
 * (`StorageError`) and so does this check, which the route authorization turns into a 503
 * (`check_failed` in the route audit). It never answers "allowed" for a failure.
 *
 * Named route policies stay what they are (`authenticated`, `deny`, functions you pass): the
 * engine's ABAC policies are not callable one by one, they apply to actions. To put an ABAC
 * condition on a route, give the route a `permission` and write a policy whose `actions` cover it.
 */
import type { Authorizer } from "../authz/authorizer.js";
import { subjectFrom } from "../authz/subject.js";
import type { AuthzEnvironment, AuthzResource } from "../ports/authorization.js";
import type { PermissionCheck, RouteCheckContext } from "./route-authorization.js";

export interface AuthorizerCheckOptions {
  /**
   * The client-IP header a trusted proxy sets (`cf-connecting-ip` behind Cloudflare), for
   * `environment.ip`; null or absent trusts none, and `ipInCidr` policies see no address. Use
   * the same value as `settings.ipHeader`: a header the client controls is not evidence.
   */
  ipHeader?: string | null;
  /**
   * The resource a matched route acts on, usually from its `:params`
   * (`(request, { params }) => ({ type: "doc", id: params.id })`), so tenant boundaries and
   * `resource.*` conditions apply. Default: none (the check concerns the route, not an object).
   */
  resource?: (request: Request, context: RouteCheckContext) => AuthzResource | null | Promise<AuthzResource | null>;
  /** More environment attributes (`riskScore`, ...), merged over `ip` and `amr`. */
  environment?: (request: Request, context: RouteCheckContext) => AuthzEnvironment;
}

/**
 * `routes: { rules, check: authorizerCheck(authorizer, { ipHeader }) }`. The subject is
 * `subjectFrom(principal)`: a session acts in its own tenant, an API key in its tenant and
 * within its scopes. The decision's stable reason (`default_deny`, `scope_limit`, ...) becomes
 * the route denial's detail in the audit trail; the client sees only 403 `forbidden`.
 */
export function authorizerCheck(authorizer: Pick<Authorizer, "authorize">, options: AuthorizerCheckOptions = {}): PermissionCheck {
  const ipHeader = options.ipHeader ?? null;
  const { resource, environment } = options;
  return async (principal, permission, request, context) => {
    const decision = await authorizer.authorize({
      subject: subjectFrom(principal),
      action: permission,
      resource: resource === undefined ? null : await resource(request, context),
      environment: routeEnvironment(request, context, ipHeader, environment),
    });
    return { allowed: decision.allowed === true, reason: decision.reason };
  };
}

/** `ip` from the trusted header, `amr` from the session (an API key has none, so step-up policies never pass for it). */
function routeEnvironment(
  request: Request,
  context: RouteCheckContext,
  ipHeader: string | null,
  extra: AuthorizerCheckOptions["environment"],
): AuthzEnvironment {
  const base: { ip?: string; amr?: readonly string[] } = {};
  const ip = ipHeader === null ? null : request.headers.get(ipHeader)?.trim();
  if (ip !== null && ip !== undefined && ip !== "") base.ip = ip;
  if (context.session !== null) base.amr = context.session.amr;
  return extra === undefined ? base : { ...base, ...extra(request, context) };
}
