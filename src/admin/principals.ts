import type { Membership } from "../ports/access-store.js";
import type { User } from "../ports/user-store.js";
import type { AdminDeps } from "./context.js";
import { notFound, rejected } from "./errors.js";

/** The target principal (a user or a service account), or 404 `not_found`. */
export async function requirePrincipal(deps: AdminDeps, principalId: string): Promise<User> {
  const user = await deps.ports.users.findById(principalId);
  if (user === null) throw notFound("principal");
  return user;
}

export async function membershipIn(deps: AdminDeps, principalId: string, tenantId: string): Promise<Membership | null> {
  const memberships = await deps.ports.access.membershipsOf(principalId);
  return memberships.find((m) => m.tenantId === tenantId) ?? null;
}

/**
 * Roles and grants attach within a tenant, and only to its members: otherwise an admin could
 * park access on an outsider that wakes up the day they join. 400 `invalid_request`, reason
 * `not_a_member`. Outside any tenant (null) there is no membership to check.
 */
export async function requireMember(deps: AdminDeps, principalId: string, tenantId: string | null): Promise<void> {
  if (tenantId === null) return;
  if ((await membershipIn(deps, principalId, tenantId)) === null) {
    throw rejected("not_a_member", "principalId", "the principal is not a member of the tenant");
  }
}
