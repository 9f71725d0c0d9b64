import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import type { Clock } from "../../core/context.js";
import type { AuditEvent } from "../../ports/audit-sink.js";
import { purgeExpiredSQLite } from "../drizzle/sqlite-atomic-stores.js";
import { listSQLiteAuditEvents } from "../drizzle/sqlite-audit-sink.js";
import type { SQLiteDatabase, SQLiteStoreOptions, SQLiteWrite } from "../drizzle/sqlite-database.js";
import { type SQLiteCoreStores, type SQLiteStores, sqliteCoreStores, sqliteFamilyStores } from "../drizzle/sqlite-stores.js";
import type { D1DatabaseLike } from "./d1-database.js";

export type { D1DatabaseLike, D1PreparedStatementLike } from "./d1-database.js";
export * from "./schema.js";

/**
 * Every port on one D1 database (users, credentials, sessions, audit, API keys, access,
 * keys, counters, single-use); all `atomic`.
 */
export type D1Stores = SQLiteStores;
/** Users, credentials, sessions, audit, API keys and access: what the gateway Worker carries. */
export type D1CoreStores = SQLiteCoreStores;

export interface D1StoreOptions {
  /** The time counters and single-use values expire against, and assignments are stamped with; `systemClock` when omitted. */
  clock?: Clock;
}

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
 * runs as a single transaction; so do `users.delete`, `access.removeMember` and
 * `access.updateAssignments` (D1 has no interactive transactions). Counters and
 * single-use values are one statement each (upsert / DELETE ... RETURNING), atomic
 * without a transaction.
 */
export function d1Stores(db: D1DatabaseLike, options: D1StoreOptions = {}): D1Stores {
  const orm = d1Drizzle(db);
  return sqliteFamilyStores(orm, d1Options(orm, options));
}

/** The subset `createAuth` needs, for bundles that should not carry the other stores' code. */
export function d1CoreStores(db: D1DatabaseLike, options: D1StoreOptions = {}): D1CoreStores {
  const orm = d1Drizzle(db);
  return sqliteCoreStores(orm, d1Options(orm, options));
}

function d1Options(orm: DrizzleD1Database, options: D1StoreOptions): SQLiteStoreOptions {
  return {
    label: LABEL,
    atomic: async (writes: readonly [SQLiteWrite, ...SQLiteWrite[]]): Promise<unknown> => orm.batch(writes),
    clock: options.clock,
  };
}

/** Audit events stored in D1, oldest first (optionally for one user). Not a port method: for dashboards and tests. */
export function d1AuditEvents(db: D1DatabaseLike, options?: { userId?: string }): Promise<AuditEvent[]> {
  const database: SQLiteDatabase = d1Drizzle(db);
  return listSQLiteAuditEvents(database, { label: LABEL, ...options });
}

/** Deletes expired counters, single-use values and replay marks; call it from a Cron Trigger. */
export function d1PurgeExpired(db: D1DatabaseLike, options: D1StoreOptions = {}): Promise<void> {
  return purgeExpiredSQLite(d1Drizzle(db), { label: LABEL, ...options });
}
