/**
 * Memberships, role attachments and grants on SQLite (D1 and better-sqlite3). Writes that
 * must land together (`removeMember`, `updateAssignments`) go through the backend's
 * `atomic` (D1: one `db.batch`, a single transaction; better-sqlite3: an IMMEDIATE
 * transaction), so they are built as a list of statements, never read-then-write: D1 has
 * no interactive transactions.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { unionAll } from "drizzle-orm/sqlite-core";
import { systemClock } from "../../core/context.js";
import type { AccessStore, Membership } from "../../ports/access-store.js";
import type { Assignments } from "../../ports/authorization.js";
import {
  GRANT_ROW,
  ROLE_ROW,
  assignmentsFromRows,
  isEmptyPlan,
  planChange,
  requireTenantId,
  sortMemberships,
  tenantKey,
} from "./access-rows.js";
import { sqliteGuard } from "./errors.js";
import type { SQLiteDatabase, SQLiteStoreOptions, SQLiteWrite } from "./sqlite-database.js";
import { grants, memberships, roleAssignments } from "./sqlite-schema.js";

/** `excluded.<column>`: the value the conflicting INSERT proposed. */
const excluded = (column: string): ReturnType<typeof sql> => sql`excluded.${sql.identifier(column)}`;

export function sqliteAccessStore(db: SQLiteDatabase, options: SQLiteStoreOptions): AccessStore {
  const guard = sqliteGuard(options.label);
  const clock = options.clock ?? systemClock;

  const ofRoles = (principalId: string, key: string) => and(eq(roleAssignments.principalId, principalId), eq(roleAssignments.tenantKey, key));
  const ofGrants = (principalId: string, key: string) => and(eq(grants.principalId, principalId), eq(grants.tenantKey, key));

  return {
    consistency: "atomic",

    async assignmentsFor(subjectId: string, tenantId: string | null): Promise<Assignments> {
      // No tenant has an empty id, so nothing is held there (and '' must not read the no-tenant rows).
      if (tenantId === "") return { roleIds: [], grants: [] };
      const key = tenantKey(tenantId);
      // One statement, so one round trip to D1 on the authorization path.
      return guard("access.assignmentsFor", async () => {
        const rows = await unionAll(
          db
            .select({ kind: sql<string>`${sql.raw(`'${GRANT_ROW}'`)}`, id: grants.grantId, permission: sql<string | null>`${grants.permission}`, effect: sql<string | null>`${grants.effect}` })
            .from(grants)
            .where(ofGrants(subjectId, key)),
          db
            .select({ kind: sql<string>`${sql.raw(`'${ROLE_ROW}'`)}`, id: roleAssignments.roleId, permission: sql<string | null>`null`, effect: sql<string | null>`null` })
            .from(roleAssignments)
            .where(ofRoles(subjectId, key)),
        );
        return assignmentsFromRows(rows);
      });
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
      await guard("access.addMember", async () => {
        requireTenantId(membership.tenantId);
        // Idempotent: an existing membership keeps its createdAt.
        await db
          .insert(memberships)
          .values({ principalId: membership.principalId, tenantId: membership.tenantId, createdAt: membership.createdAt })
          .onConflictDoNothing({ target: [memberships.principalId, memberships.tenantId] });
      });
    },

    async removeMember(principalId: string, tenantId: string): Promise<void> {
      if (tenantId === "") return; // no such membership, and '' must not reach the no-tenant rows
      const key = tenantKey(tenantId);
      await guard("access.removeMember", () =>
        options.atomic([
          db.delete(memberships).where(and(eq(memberships.principalId, principalId), eq(memberships.tenantId, tenantId))),
          db.delete(roleAssignments).where(ofRoles(principalId, key)),
          db.delete(grants).where(ofGrants(principalId, key)),
        ]),
      );
    },

    async updateAssignments(principalId, tenantId, change): Promise<void> {
      await guard("access.updateAssignments", async () => {
        const key = tenantKey(tenantId);
        const plan = planChange(change);
        if (isEmptyPlan(plan)) return;
        const now = clock.now();
        // One statement per item: D1 binds at most 100 parameters per statement, and the batch
        // runs them in this order (adds before removes, as the memory store applies them).
        const writes: SQLiteWrite[] = [
          ...plan.addRoles.map((roleId) =>
            db.insert(roleAssignments).values({ principalId, tenantKey: key, roleId, createdAt: now }).onConflictDoNothing(),
          ),
          ...plan.removeRoles.map((roleId) => db.delete(roleAssignments).where(and(ofRoles(principalId, key), eq(roleAssignments.roleId, roleId)))),
          ...plan.setGrants.map((grant) =>
            db
              .insert(grants)
              .values({ principalId, tenantKey: key, grantId: grant.id, permission: grant.permission, effect: grant.effect, updatedAt: now })
              .onConflictDoUpdate({
                target: [grants.principalId, grants.tenantKey, grants.grantId],
                set: { permission: excluded("permission"), effect: excluded("effect"), updatedAt: excluded("updated_at") },
              }),
          ),
          ...plan.removeGrants.map((grantId) => db.delete(grants).where(and(ofGrants(principalId, key), eq(grants.grantId, grantId)))),
        ];
        await options.atomic(writes as [SQLiteWrite, ...SQLiteWrite[]]);
      });
    },
  };
}
