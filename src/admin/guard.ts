import { uncoveredPatterns } from "../authz/coverage.js";
import type { RequestContext } from "../core/context.js";
import type { AuthzResource, Permission } from "../ports/authorization.js";
import { requireActor, type Actor } from "./actor.js";
import { auditRefusal } from "./audit.js";
import type { AdminDeps } from "./context.js";
import { forbidden } from "./errors.js";

/** Admin permissions and resource types live under `portcullis.`: `portcullis.role:assign`, `portcullis.role`. */
export const portcullis = (name: string): string => `portcullis.${name}`;

/** The tenant a request targets: the one it names, else the caller's own. */
export function targetTenant(actor: Actor, requested: string | null | undefined): string | null {
  return requested === undefined ? actor.tenantId : requested;
}

/**
 * Asks the engine for each action on the resource; the first denial is a 403 `forbidden`
 * carrying the decision's reason (the authorizer has audited it). The resource carries the
 * TARGET tenant, so the engine's tenant boundary keeps a tenant-A admin out of tenant B.
 *
 * One rule is added on top: the engine lets any tenant reach a resource WITHOUT a tenant,
 * but here "no tenant" means principals and keys that belong to no tenant at all; a caller
 * bound to a tenant must not administer them. Only a caller outside any tenant may.
 */
export async function permit(deps: AdminDeps, ctx: RequestContext, actor: Actor, actions: readonly Permission[], resource: AuthzResource): Promise<void> {
  const tenantId = resource.tenantId ?? null;
  if (tenantId === null && actor.tenantId !== null) {
    await auditRefusal(deps, ctx, actor, actions[0]!, "tenant_boundary", { resourceType: resource.type, resourceId: resource.id ?? null, resourceTenantId: null });
    throw forbidden("tenant_boundary");
  }
  for (const action of actions) {
    const decision = await deps.authorizer.authorize(actor.subject, action, resource, { environment: actor.environment, requestId: ctx.requestId });
    if (!decision.allowed) throw forbidden(decision.reason);
  }
}

/**
 * Authorize first: before anything of the request is read or validated, the caller must be
 * allowed `action` on this kind of resource in its own tenant (the only tenant it can act in).
 * So a caller without the permission learns nothing from the route, not even which input it
 * expects (a missing `tenantId` is a 403 for it, not a 400). The full check, on the resource the
 * request names, follows once the input is read; a policy that allows an admin action only for
 * particular resources (by id or attribute) therefore does not open the route by itself: grant
 * admin actions by role or grant, and narrow them with deny policies.
 */
export async function admit(deps: AdminDeps, ctx: RequestContext, action: Permission, type: string): Promise<Actor> {
  const actor = await requireActor(deps, ctx);
  await permit(deps, ctx, actor, [action], { type, id: null, tenantId: actor.tenantId });
  return actor;
}

/**
 * No privilege escalation: the caller may hand out or take away a permission pattern only
 * if it holds that pattern itself, statically (roles and grants in its tenant, within its
 * key's scopes; never through a policy), with no deny of its own overlapping it.
 * Otherwise 403 `forbidden`, reason `escalation`, naming the patterns it lacks.
 */
export async function requireCoverage(deps: AdminDeps, ctx: RequestContext, actor: Actor, action: Permission, wanted: readonly Permission[]): Promise<void> {
  if (wanted.length === 0) return;
  const held = await deps.authorizer.effectivePermissions(actor.subject);
  const missing = uncoveredPatterns(held, wanted);
  if (missing.length === 0) return;
  await auditRefusal(deps, ctx, actor, action, "escalation", { uncovered: missing.join(",").slice(0, 256) });
  throw forbidden("escalation", { uncovered: missing });
}
