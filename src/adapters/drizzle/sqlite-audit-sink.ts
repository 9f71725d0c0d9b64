import { asc, eq } from "drizzle-orm";
import type { AuditEvent, AuditSink } from "../../ports/audit-sink.js";
import type { Store } from "../../ports/consistency.js";
import { auditRow } from "../sql-rows.js";
import { sqliteGuard } from "./errors.js";
import type { SQLiteDatabase } from "./sqlite-database.js";
import { auditEvents } from "./sqlite-schema.js";

export function sqliteAuditSink(db: SQLiteDatabase, options: { label: string }): AuditSink & Store {
  const guard = sqliteGuard(options.label);
  return {
    consistency: "atomic",

    /** Idempotent on `id`: a retried write of an accepted event resolves and stores it once. */
    async write(event: AuditEvent): Promise<void> {
      await guard("audit.write", () => db.insert(auditEvents).values(auditRow(event)).onConflictDoNothing({ target: auditEvents.id }));
    },
  };
}

/** Reads audit rows back as events (newest last); for dashboards and tests, not a port method. */
export function listSQLiteAuditEvents(db: SQLiteDatabase, options: { label: string; userId?: string }): Promise<AuditEvent[]> {
  return sqliteGuard(options.label)("audit.list", async () => {
    const query = db.select().from(auditEvents);
    const filtered = options.userId === undefined ? query : query.where(eq(auditEvents.userId, options.userId));
    const rows = await filtered.orderBy(asc(auditEvents.at), asc(auditEvents.id));
    return rows.map(({ detail, ...rest }) => (detail === null ? rest : { ...rest, detail }));
  });
}
