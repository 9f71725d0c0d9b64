/**
 * Memberships, role attachments and grants on PostgreSQL. `removeMember` and
 * `updateAssignments` run in one transaction each (all or nothing); `assignmentsFor`,
 * asked on every authorization decision, is one prepared UNION ALL statement.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { unionAll } from "drizzle-orm/pg-core";
import { type Clock, systemClock } from "../../core/context.js";
import type { AccessStore, Membership } from "../../ports/access-store.js";
import type { Assignments } from "../../ports/authorization.js";
import { GRANT_ROW, ROLE_ROW, assignmentsFromRows, isEmptyPlan, planChange, requireTenantId, sortMemberships, tenantKey } from "../drizzle/access-rows.js";
import type { PostgresDatabase } from "./database.js";
import type { StorageGuard } from "../storage-guard.js";
import { grants, memberships, roleAssignments } from "./schema.js";

/** `excluded.<column>`: the value the conflicting INSERT proposed. */
const excluded = (column: string): ReturnType<typeof sql> => sql`excluded.${sql.identifier(column)}`;

export function postgresAccessStore(db: PostgresDatabase, guard: StorageGuard, options: { clock?: Clock } = {}): AccessStore {
  const clock = options.clock ?? systemClock;
  const ofRoles = (principalId: string, key: string) => and(eq(roleAssignments.principalId, principalId), eq(roleAssignments.tenantKey, key));
  const ofGrants = (principalId: string, key: string) => and(eq(grants.principalId, principalId), eq(grants.tenantKey, key));

  const held = unionAll(
    db
      .select({ kind: sql<string>`${sql.raw(`'${GRANT_ROW}'`)}`, id: grants.grantId, permission: sql<string | null>`${grants.permission}`, effect: sql<string | null>`${grants.effect}` })
      .from(grants)
      .where(and(eq(grants.principalId, sql.placeholder("principalId")), eq(grants.tenantKey, sql.placeholder("tenantKey")))),
    db
      .select({ kind: sql<string>`${sql.raw(`'${ROLE_ROW}'`)}`, id: roleAssignments.roleId, permission: sql<string | null>`null`, effect: sql<string | null>`null` })
      .from(roleAssignments)
      .where(and(eq(roleAssignments.principalId, sql.placeholder("principalId")), eq(roleAssignments.tenantKey, sql.placeholder("tenantKey")))),
  ).prepare("portcullis_access_assignments_for");

  return {
    consistency: "atomic",

    assignmentsFor(subjectId: string, tenantId: string | null): Promise<Assignments> {
      // No tenant has an empty id, so nothing is held there (and '' must not read the no-tenant rows).
      if (tenantId === "") return Promise.resolve({ roleIds: [], grants: [] });
      return guard("access.assignmentsFor", async () => assignmentsFromRows(await held.execute({ principalId: subjectId, tenantKey: tenantKey(tenantId) })));
    },

    membershipsOf: (principalId: string): Promise<Membership[]> =>
      guard("access.membershipsOf", async () =>
        sortMemberships(await db.select().from(memberships).where(eq(memberships.principalId, principalId)).orderBy(asc(memberships.createdAt)), "tenantId"),
      ),

    membersOf: (tenantId: string): Promise<Membership[]> =>
      guard("access.membersOf", async () =>
        sortMemberships(await db.select().from(memberships).where(eq(memberships.tenantId, tenantId)).orderBy(asc(memberships.createdAt)), "principalId"),
      ),

    async addMember(membership: Membership): Promise<void> {
      await guard("access.addMember", () =>
        db
          .insert(memberships)
          .values({ principalId: membership.principalId, tenantId: requireTenantId(membership.tenantId), createdAt: membership.createdAt })
          // Idempotent: an existing membership keeps its createdAt.
          .onConflictDoNothing({ target: [memberships.principalId, memberships.tenantId] }),
      );
    },

    async removeMember(principalId: string, tenantId: string): Promise<void> {
      if (tenantId === "") return; // no such membership, and '' must not reach the no-tenant rows
      const key = tenantKey(tenantId);
      await guard("access.removeMember", () =>
        db.transaction(async (tx) => {
          await tx.delete(memberships).where(and(eq(memberships.principalId, principalId), eq(memberships.tenantId, tenantId)));
          await tx.delete(roleAssignments).where(ofRoles(principalId, key));
          await tx.delete(grants).where(ofGrants(principalId, key));
        }),
      );
    },

    async updateAssignments(principalId, tenantId, change): Promise<void> {
      await guard("access.updateAssignments", async () => {
        const key = tenantKey(tenantId);
        const plan = planChange(change);
        if (isEmptyPlan(plan)) return;
        const now = clock.now();
        // In the memory store's order: roles added then removed, grants set then removed.
        await db.transaction(async (tx) => {
          if (plan.addRoles.length > 0) {
            await tx
              .insert(roleAssignments)
              .values(plan.addRoles.map((roleId) => ({ principalId, tenantKey: key, roleId, createdAt: now })))
              .onConflictDoNothing();
          }
          if (plan.removeRoles.length > 0) await tx.delete(roleAssignments).where(and(ofRoles(principalId, key), inArray(roleAssignments.roleId, plan.removeRoles)));
          if (plan.setGrants.length > 0) {
            // planChange leaves each grant id once: ON CONFLICT DO UPDATE may not touch a row twice in one statement.
            await tx
              .insert(grants)
              .values(plan.setGrants.map((g) => ({ principalId, tenantKey: key, grantId: g.id, permission: g.permission, effect: g.effect, updatedAt: now })))
              .onConflictDoUpdate({
                target: [grants.principalId, grants.tenantKey, grants.grantId],
                set: { permission: excluded("permission"), effect: excluded("effect"), updatedAt: excluded("updated_at") },
              });
          }
          if (plan.removeGrants.length > 0) await tx.delete(grants).where(and(ofGrants(principalId, key), inArray(grants.grantId, plan.removeGrants)));
        });
      });
    },
  };
}
