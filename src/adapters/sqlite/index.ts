/**
 * NODE ONLY. Every port on a local SQLite file (or `:memory:`) through
 * better-sqlite3 12, a native addon: never import this from core or a Worker
 * (D1 is the Worker's SQLite: `portcullis/adapters/d1`). Same schema, same
 * migrations (`migrations/sqlite`) and same store code as D1.
 *
 *   import Database from "better-sqlite3";
 *   const db = new Database("auth.db");
 *   migrateSQLite(db);
 *   const stores = sqliteStores(db);
 */
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import type { Clock } from "../../core/context.js";
import type { AuditEvent } from "../../ports/audit-sink.js";
import { purgeExpiredSQLite } from "../drizzle/sqlite-atomic-stores.js";
import { listSQLiteAuditEvents } from "../drizzle/sqlite-audit-sink.js";
import type { SQLiteWrite } from "../drizzle/sqlite-database.js";
import { type SQLiteStores, sqliteFamilyStores } from "../drizzle/sqlite-stores.js";
import type { BetterSQLite3DatabaseLike } from "./better-sqlite3-database.js";

export type { BetterSQLite3DatabaseLike, BetterSQLite3StatementLike } from "./better-sqlite3-database.js";
export type { SQLiteStores } from "../drizzle/sqlite-stores.js";
export { type MigrateSQLiteOptions, migrateSQLite } from "./migrate.js";
export {
  apiKeys,
  auditEvents,
  counters,
  credentials,
  grants,
  memberships,
  roleAssignments,
  sessions,
  signingKeys,
  singleUse,
  singleUseMarks,
  users,
} from "../drizzle/sqlite-schema.js";

export interface SQLiteOptions {
  /** The time counters and single-use values expire against, and assignments are stamped with; `systemClock` when omitted. */
  clock?: Clock;
}

const LABEL = "sqlite";

/** A statement built on a sync Drizzle database: `.run()` executes it there and then. */
interface SyncRunnable {
  run(): unknown;
}

function betterSQLiteDrizzle(db: BetterSQLite3DatabaseLike): BetterSQLite3Database {
  // drizzle-orm types its client against @types/better-sqlite3, which this project does not load.
  return drizzle(db as unknown as Parameters<typeof drizzle>[0] & object);
}

/**
 * Stores on a better-sqlite3 database. Turns foreign keys on for this connection
 * (SQLite ships with them off, and credentials must not outlive or precede their user).
 * Apply the migrations first: `migrateSQLite(db)`.
 *
 * `users.create`, `users.delete`, `access.removeMember` and `access.updateAssignments`
 * run in an IMMEDIATE transaction: the write lock is taken at BEGIN, so another process
 * on the same file cannot interleave.
 */
export function sqliteStores(db: BetterSQLite3DatabaseLike, options: SQLiteOptions = {}): SQLiteStores {
  db.pragma("foreign_keys = ON");
  const orm = betterSQLiteDrizzle(db);
  return sqliteFamilyStores(orm, {
    label: LABEL,
    atomic: async (writes: readonly [SQLiteWrite, ...SQLiteWrite[]]): Promise<unknown> =>
      // better-sqlite3 is synchronous: the statements run inside the callback, nothing can await in between.
      orm.transaction(
        () => {
          for (const write of writes) (write as unknown as SyncRunnable).run();
        },
        { behavior: "immediate" },
      ),
    clock: options.clock,
  });
}

/** Audit events, oldest first (optionally for one user). Not a port method: for dashboards and tests. */
export function sqliteAuditEvents(db: BetterSQLite3DatabaseLike, options?: { userId?: string }): Promise<AuditEvent[]> {
  return listSQLiteAuditEvents(betterSQLiteDrizzle(db), { label: LABEL, ...options });
}

/** Deletes expired counters, single-use values and replay marks (space only: the ports already ignore them). */
export function sqlitePurgeExpired(db: BetterSQLite3DatabaseLike, options: SQLiteOptions = {}): Promise<void> {
  return purgeExpiredSQLite(betterSQLiteDrizzle(db), { label: LABEL, ...options });
}
