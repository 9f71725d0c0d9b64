import { defineConfig } from "drizzle-kit";

/**
 * SQLite-family migrations (D1, later better-sqlite3). `migrations/sqlite` holds
 * plain numbered `.sql` files, the layout `wrangler d1 migrations apply` reads;
 * drizzle-kit's own bookkeeping lives in `migrations/sqlite/meta` and wrangler ignores it.
 *
 *   npx drizzle-kit generate --name <change>
 */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/adapters/drizzle/sqlite-schema.ts",
  out: "./migrations/sqlite",
  strict: true,
  verbose: true,
});
