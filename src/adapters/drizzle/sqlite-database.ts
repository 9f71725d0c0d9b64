/**
 * The database and options every SQLite store takes, in a module of their own: the
 * per-store files and the factory that assembles them (`sqlite-stores.ts`) both need
 * them, and importing them from the factory made an import cycle.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { Clock } from "../../core/context.js";

/** A Drizzle SQLite database, whatever the driver (D1 is async, better-sqlite3 sync). */
export type SQLiteDatabase = BaseSQLiteDatabase<"sync" | "async", unknown>;

/** A write statement built from a `SQLiteDatabase`, not yet run. */
export type SQLiteWrite = BatchItem<"sqlite">;

export interface SQLiteStoreOptions {
  /** Names the backend in error messages: "d1 users.findByEmail failed". */
  label: string;
  /** Runs the writes all-or-nothing (D1 and libSQL: `db.batch`; better-sqlite3: a transaction). */
  atomic(writes: readonly [SQLiteWrite, ...SQLiteWrite[]]): Promise<unknown>;
  /**
   * The time counters and single-use values expire against, and role attachments and
   * grants are stamped with; `systemClock` when omitted.
   */
  clock?: Clock;
}
