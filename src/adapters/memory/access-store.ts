import type { AccessStore, Membership, StoredGrant } from "../../ports/access-store.js";
import type { Assignments } from "../../ports/authorization.js";

interface Held {
  roleIds: Set<string>;
  grants: Map<string, StoredGrant>;
}

const NONE: Assignments = Object.freeze({ roleIds: Object.freeze([]) as readonly string[], grants: Object.freeze([]) as readonly StoredGrant[] });

const byAge = (a: Membership, b: Membership, tie: (m: Membership) => string): number =>
  a.createdAt.getTime() - b.createdAt.getTime() || (tie(a) < tie(b) ? -1 : tie(a) > tie(b) ? 1 : 0);

const copyMembership = (m: Membership): Membership => ({ principalId: m.principalId, tenantId: m.tenantId, createdAt: new Date(m.createdAt) });

/**
 * Memberships, role attachments and grants in this closure's memory. `assignmentsFor` answers a
 * frozen snapshot that is rebuilt only when that subject's assignments change, so the role
 * catalog's per-answer cache keeps working between writes.
 */
export function memoryAccessStore(): AccessStore {
  // JSON keeps every (tenant, principal) pair distinct, the null tenant included, whatever the ids contain.
  const key = (principalId: string, tenantId: string | null): string => JSON.stringify([tenantId, principalId]);
  const memberships = new Map<string, Membership>();
  const held = new Map<string, Held>();
  const snapshots = new Map<string, Assignments>();

  function snapshot(k: string): Assignments {
    let found = snapshots.get(k);
    if (found !== undefined) return found;
    const h = held.get(k);
    if (h === undefined) return NONE;
    const roleIds = Object.freeze([...h.roleIds].sort());
    const grants = Object.freeze([...h.grants.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((g) => Object.freeze({ ...g })));
    found = Object.freeze({ roleIds, grants });
    snapshots.set(k, found);
    return found;
  }

  return {
    consistency: "atomic",

    async assignmentsFor(subjectId, tenantId): Promise<Assignments> {
      return snapshot(key(subjectId, tenantId));
    },

    async membershipsOf(principalId): Promise<Membership[]> {
      return [...memberships.values()].filter((m) => m.principalId === principalId).map(copyMembership).sort((a, b) => byAge(a, b, (m) => m.tenantId));
    },

    async membersOf(tenantId): Promise<Membership[]> {
      return [...memberships.values()].filter((m) => m.tenantId === tenantId).map(copyMembership).sort((a, b) => byAge(a, b, (m) => m.principalId));
    },

    async addMember(membership): Promise<void> {
      const k = key(membership.principalId, membership.tenantId);
      if (!memberships.has(k)) memberships.set(k, copyMembership(membership));
    },

    async removeMember(principalId, tenantId): Promise<void> {
      const k = key(principalId, tenantId);
      memberships.delete(k);
      held.delete(k);
      snapshots.delete(k);
    },

    async updateAssignments(principalId, tenantId, change): Promise<void> {
      const k = key(principalId, tenantId);
      const current = held.get(k);
      // Built on a copy and swapped in at the end: all or nothing.
      const next: Held = { roleIds: new Set(current?.roleIds), grants: new Map(current?.grants) };
      for (const id of change.addRoles ?? []) next.roleIds.add(id);
      for (const id of change.removeRoles ?? []) next.roleIds.delete(id);
      for (const grant of change.setGrants ?? []) next.grants.set(grant.id, { id: grant.id, permission: grant.permission, effect: grant.effect });
      for (const id of change.removeGrants ?? []) next.grants.delete(id);
      if (next.roleIds.size === 0 && next.grants.size === 0) held.delete(k);
      else held.set(k, next);
      snapshots.delete(k);
    },
  };
}
