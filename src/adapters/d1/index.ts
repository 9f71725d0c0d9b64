import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import type { AuditEvent } from "../../ports/audit-sink.js";
import { type SQLiteDatabase, type SQLiteStores, type SQLiteWrite, sqliteAuditEvents, sqliteStores } from "../drizzle/sqlite-stores.js";
import type { D1DatabaseLike } from "./d1-database.js";

export type { D1DatabaseLike, D1PreparedStatementLike } from "./d1-database.js";
export * from "./schema.js";

/** Users, credentials, sessions and audit on one D1 database; all `atomic`. */
export type D1Stores = SQLiteStores;

const LABEL = "d1";

function d1Drizzle(db: D1DatabaseLike): DrizzleD1Database {
  // drizzle-orm types its client against the global `D1Database`; ours is the structural subset it calls.
  return drizzle(db as unknown as Parameters<typeof drizzle>[0]);
}

/**
 * Stores backed by Cloudflare D1 (a single-primary SQLite database). Pass the
 * binding itself (`env.DB`), not a read-replica session. Apply
 * `migrations/sqlite` first: `wrangler d1 migrations apply DB`.
 *
 * `users.create` writes the user and its credentials in one `db.batch`, which D1
 * runs as a single transaction.
 */
export function d1Stores(db: D1DatabaseLike): D1Stores {
  const orm = d1Drizzle(db);
  return sqliteStores(orm, {
    label: LABEL,
    atomic: async (writes: readonly [SQLiteWrite, ...SQLiteWrite[]]): Promise<unknown> => orm.batch(writes),
  });
}

/** Audit events stored in D1, oldest first (optionally for one user). Not a port method: for dashboards and tests. */
export function d1AuditEvents(db: D1DatabaseLike, options?: { userId?: string }): Promise<AuditEvent[]> {
  const database: SQLiteDatabase = d1Drizzle(db);
  return sqliteAuditEvents(database, { label: LABEL, ...options });
}
