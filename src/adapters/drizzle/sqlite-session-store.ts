import { asc, eq } from "drizzle-orm";
import type { SessionRecord, SessionStore } from "../../ports/session-store.js";
import { sessionRow } from "../sql-rows.js";
import { sqliteGuard } from "./errors.js";
import type { SQLiteDatabase } from "./sqlite-database.js";
import { sessions } from "./sqlite-schema.js";

/** Sessions in the `sessions` table; `listByUser` oldest first, ties broken by id, as the memory store. */
export function sqliteSessionStore(db: SQLiteDatabase, options: { label: string }): SessionStore {
  const guard = sqliteGuard(options.label);
  return {
    consistency: "atomic",

    async create(session: SessionRecord): Promise<void> {
      await guard("sessions.create", () => db.insert(sessions).values(sessionRow(session)));
    },

    get: (id: string): Promise<SessionRecord | null> =>
      guard("sessions.get", async () => (await db.select().from(sessions).where(eq(sessions.id, id)).limit(1))[0] ?? null),

    async touch(id: string, idleExpiresAt: Date): Promise<void> {
      await guard("sessions.touch", () => db.update(sessions).set({ idleExpiresAt }).where(eq(sessions.id, id)));
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
