import type { AssignmentSource, Grant } from "./authorization.js";

/**
 * A principal's membership of a tenant. The tenant lives here, never on the user row, so
 * that one principal can later belong to many tenants (phase 5) without a data-model change.
 * In 0.3 a user acts in one tenant: the oldest membership (see `membershipsOf`).
 */
export interface Membership {
  principalId: string;
  /** Non-empty: SQL adapters keep "no tenant" as an internal empty key and refuse "" as a tenant id. */
  tenantId: string;
  createdAt: Date;
}

/** A grant as stored: always named, so it can be replaced and removed by id. */
export interface StoredGrant extends Grant {
  id: string;
}

/**
 * One atomic change to a principal's roles and grants in one tenant (null: outside any
 * tenant). Applied all or nothing. Adding a held role or removing an absent one is a no-op;
 * `setGrants` replaces grants with the same id.
 */
export interface AssignmentChange {
  addRoles?: readonly string[];
  removeRoles?: readonly string[];
  setGrants?: readonly StoredGrant[];
  removeGrants?: readonly string[];
}

/**
 * Who belongs to which tenant and holds what there: memberships, role attachments and direct
 * grants. Extends `AssignmentSource`, so it plugs straight into `createAuthorizer({ assignments })`.
 * Role DEFINITIONS are configuration (`createAuthorizer({ roles })`), not stored here: they are
 * code-reviewed and precompiled; what changes at run time is who holds them.
 *
 * Every method throws `StorageError` when the backend fails, so callers fail closed. Inputs are
 * validated by the caller (the admin routes); the store only persists.
 */
export interface AccessStore extends AssignmentSource {
  /** Oldest first (ties: by tenant id); empty when none. */
  membershipsOf(principalId: string): Promise<Membership[]>;
  /** Oldest first (ties: by principal id). */
  membersOf(tenantId: string): Promise<Membership[]>;
  /** Idempotent: an existing membership keeps its `createdAt`. */
  addMember(membership: Membership): Promise<void>;
  /** Removes the membership and, in the same atomic write, every role and grant held in that tenant. */
  removeMember(principalId: string, tenantId: string): Promise<void>;
  /** Applies the change atomically; `assignmentsFor` then answers role ids and grants sorted by id. */
  updateAssignments(principalId: string, tenantId: string | null, change: AssignmentChange): Promise<void>;
}
