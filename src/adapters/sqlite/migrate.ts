import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { migrationsFolder } from "../drizzle/migrations-folder.js";
import type { BetterSQLite3DatabaseLike } from "./better-sqlite3-database.js";

export interface MigrateSQLiteOptions {
  /** A folder laid out by drizzle-kit (`meta/_journal.json` + numbered `.sql`); default: this package's `migrations/sqlite`. */
  migrationsFolder?: string;
}

/**
 * NODE ONLY. Applies the committed SQLite migrations that `db` has not seen yet, in
 * one transaction, recording them in `__drizzle_migrations` (the table
 * `drizzle-kit migrate` uses, so the two can be mixed). D1 does not use this:
 * `wrangler d1 migrations apply` reads the same files.
 */
export function migrateSQLite(db: BetterSQLite3DatabaseLike, options: MigrateSQLiteOptions = {}): void {
  migrate(drizzle(db as unknown as Parameters<typeof drizzle>[0] & object), { migrationsFolder: options.migrationsFolder ?? migrationsFolder("sqlite") });
}
