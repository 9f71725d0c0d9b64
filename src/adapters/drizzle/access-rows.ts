/**
 * What the SQL access stores (SQLite/D1 and PostgreSQL) share: the `tenant_key` encoding,
 * the normalised form of an `AssignmentChange`, and how rows become port answers. Ordering
 * is done here, in JavaScript, not by `ORDER BY`: a database collation (PostgreSQL's is
 * usually linguistic) would not sort ids the way the memory reference does.
 */
import type { AssignmentChange, Membership, StoredGrant } from "../../ports/access-store.js";
import type { Assignments } from "../../ports/authorization.js";

/**
 * `tenant_key` of assignments held outside any tenant. Primary keys cannot hold NULL, so the
 * role and grant tables store the tenant id, or this for none; tenant ids are never empty,
 * which keeps the encoding one-to-one. Never visible outside the adapters.
 */
const NO_TENANT = "";

/** Thrown (as a StorageError's cause) for an empty tenant id, which would alias "no tenant". */
export class EmptyTenantIdError extends RangeError {
  constructor() {
    super("a tenant id is never empty (the empty string encodes \"no tenant\")");
    this.name = "EmptyTenantIdError";
  }
}

/** The tenant id itself; throws `EmptyTenantIdError` for "" (callers wrap it in a StorageError). */
export function requireTenantId(tenantId: string): string {
  if (tenantId === NO_TENANT) throw new EmptyTenantIdError();
  return tenantId;
}

/** The `tenant_key` for a tenant (null: none). Throws `EmptyTenantIdError` for "". */
export function tenantKey(tenantId: string | null): string {
  return tenantId === null ? NO_TENANT : requireTenantId(tenantId);
}

/** An `AssignmentChange` without repeats; for a grant id set twice, the last one wins, as in memory. */
export interface AssignmentPlan {
  addRoles: string[];
  removeRoles: string[];
  setGrants: StoredGrant[];
  removeGrants: string[];
}

export function planChange(change: AssignmentChange): AssignmentPlan {
  const grants = new Map<string, StoredGrant>();
  // Only the stored fields: a caller's extra properties never reach a row.
  for (const grant of change.setGrants ?? []) grants.set(grant.id, { id: grant.id, permission: grant.permission, effect: grant.effect });
  return {
    addRoles: [...new Set(change.addRoles ?? [])],
    removeRoles: [...new Set(change.removeRoles ?? [])],
    setGrants: [...grants.values()],
    removeGrants: [...new Set(change.removeGrants ?? [])],
  };
}

export function isEmptyPlan(plan: AssignmentPlan): boolean {
  return plan.addRoles.length === 0 && plan.removeRoles.length === 0 && plan.setGrants.length === 0 && plan.removeGrants.length === 0;
}

/** One row of the assignments read: a role (permission and effect null) or a grant. */
export interface AssignmentRow {
  kind: string;
  id: string;
  permission: string | null;
  effect: string | null;
}

export const ROLE_ROW = "role";
export const GRANT_ROW = "grant";

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Role ids and grants, each sorted by id (JavaScript string order, like the memory store). */
export function assignmentsFromRows(rows: readonly AssignmentRow[]): Assignments {
  const roleIds: string[] = [];
  const grants: StoredGrant[] = [];
  for (const row of rows) {
    if (row.kind === ROLE_ROW) roleIds.push(row.id);
    else if (row.permission !== null && (row.effect === "allow" || row.effect === "deny")) grants.push({ id: row.id, permission: row.permission, effect: row.effect });
    // Anything else cannot be written (NOT NULL and CHECK constraints); were it there, a partial grant is never handed out.
    else throw new Error("malformed grant row");
  }
  roleIds.sort(compare);
  grants.sort((a, b) => compare(a.id, b.id));
  return { roleIds, grants };
}

/** Oldest first, ties broken by `tie` (tenant id for a principal's list, principal id for a tenant's). */
export function sortMemberships(rows: Membership[], tie: "tenantId" | "principalId"): Membership[] {
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a[tie], b[tie]));
}
