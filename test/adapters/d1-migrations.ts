/**
 * The committed SQLite migrations as `applyD1Migrations` (cloudflare:test) wants
 * them: the same files, order and `d1_migrations` bookkeeping table that
 * `wrangler d1 migrations apply` uses. Statements are split on drizzle-kit's
 * breakpoint marker.
 */
const files = import.meta.glob<string>("../../migrations/sqlite/*.sql", { query: "?raw", import: "default", eager: true });

export interface SQLMigration {
  name: string;
  queries: string[];
}

export const sqliteMigrations: SQLMigration[] = Object.entries(files)
  .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  .map(([path, sql]) => ({
    name: path.slice(path.lastIndexOf("/") + 1),
    queries: sql
      .split("--> statement-breakpoint")
      .map((query) => query.trim())
      .filter((query) => query.length > 0),
  }));
