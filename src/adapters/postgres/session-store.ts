import { asc, eq, sql } from "drizzle-orm";
import type { SessionRecord, SessionStore } from "../../ports/session-store.js";
import { sessionRow } from "../sql-rows.js";
import type { PostgresDatabase } from "./database.js";
import type { StorageGuard } from "../storage-guard.js";
import { sessions } from "./schema.js";

/**
 * Sessions by token hash; expiry is the token strategy's decision, so `get` returns
 * expired rows too. `get` and `touch` run on every authenticated request, so they are
 * prepared statements: with postgres.js each costs one round trip once its connection
 * has seen it, against two for an unprepared query (Parse/Describe, then Bind/Execute).
 */
export function postgresSessionStore(db: PostgresDatabase, guard: StorageGuard): SessionStore {
  const getById = db.select().from(sessions).where(eq(sessions.id, sql.placeholder("id"))).limit(1).prepare("portcullis_sessions_get");
  const touchById = db
    .update(sessions)
    // Update values cannot be typed placeholders in Drizzle; an ISO string cast server-side is exact to the millisecond.
    .set({ idleExpiresAt: sql`${sql.placeholder("idleExpiresAt")}::timestamptz` })
    .where(eq(sessions.id, sql.placeholder("id")))
    .prepare("portcullis_sessions_touch");

  return {
    consistency: "atomic",

    async create(session: SessionRecord): Promise<void> {
      const row = sessionRow(session);
      await guard("sessions.create", () => db.insert(sessions).values(row));
    },

    get: (id: string): Promise<SessionRecord | null> => guard("sessions.get", async () => (await getById.execute({ id }))[0] ?? null),

    async touch(id: string, idleExpiresAt: Date): Promise<void> {
      await guard("sessions.touch", () => touchById.execute({ id, idleExpiresAt: idleExpiresAt.toISOString() }));
    },

    async delete(id: string): Promise<void> {
      await guard("sessions.delete", () => db.delete(sessions).where(eq(sessions.id, id)));
    },

    listByUser: (userId: string): Promise<SessionRecord[]> =>
      guard("sessions.listByUser", () => db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(asc(sessions.createdAt), asc(sessions.id))),

    async deleteByUser(userId: string): Promise<void> {
      await guard("sessions.deleteByUser", () => db.delete(sessions).where(eq(sessions.userId, userId)));
    },
  };
}
