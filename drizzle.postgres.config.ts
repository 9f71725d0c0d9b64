import { defineConfig } from "drizzle-kit";

/**
 * PostgreSQL migrations (Neon, Hyperdrive's origin, any Postgres >= 13), generated
 * from `src/adapters/postgres/schema.ts` into `migrations/postgres`.
 *
 *   npx drizzle-kit generate --config drizzle.postgres.config.ts --name <change>
 *
 * Applying them: `migratePostgres(sql)` from the Postgres adapter (Node), or
 * `DATABASE_URL=... npx drizzle-kit migrate --config drizzle.postgres.config.ts`;
 * both keep their bookkeeping in `drizzle.__drizzle_migrations`, so they can be mixed.
 * Generating needs no database; only `migrate` reads `DATABASE_URL`.
 */
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/adapters/postgres/schema.ts",
  out: "./migrations/postgres",
  strict: true,
  verbose: true,
  dbCredentials: { url: process.env.DATABASE_URL ?? "" },
});
