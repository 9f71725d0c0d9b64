import { asc, eq } from "drizzle-orm";
import type { AuditEvent, AuditSink } from "../../ports/audit-sink.js";
import type { Store } from "../../ports/consistency.js";
import { auditRow } from "../sql-rows.js";
import type { StorageGuard } from "../storage-guard.js";
import type { PostgresDatabase } from "./database.js";
import { postgresGuard } from "./guard.js";
import { auditEvents } from "./schema.js";

export function postgresAuditSink(db: PostgresDatabase, guard: StorageGuard): AuditSink & Store {
  return {
    consistency: "atomic",

    /** Idempotent on `id`: a retried write of an accepted event resolves and stores it once. */
    async write(event: AuditEvent): Promise<void> {
      const row = auditRow(event);
      await guard("audit.write", () => db.insert(auditEvents).values(row).onConflictDoNothing({ target: auditEvents.id }));
    },
  };
}

/** Audit events, oldest first (optionally for one user). Not a port method: for dashboards and tests. */
export function postgresAuditEvents(db: PostgresDatabase, options: { userId?: string; timeoutMs?: number } = {}): Promise<AuditEvent[]> {
  return postgresGuard(options.timeoutMs)("audit.list", async () => {
    const query = db.select().from(auditEvents);
    const filtered = options.userId === undefined ? query : query.where(eq(auditEvents.userId, options.userId));
    const rows = await filtered.orderBy(asc(auditEvents.at), asc(auditEvents.id));
    return rows.map(({ detail, ...rest }) => (detail === null ? rest : { ...rest, detail }));
  });
}
