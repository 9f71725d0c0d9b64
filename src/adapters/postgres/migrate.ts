/**
 * NODE ONLY. Applies the committed PostgreSQL migrations (`migrations/postgres`).
 * Reads the files through `process.getBuiltinModule` (no @types/node in this project).
 */
import type { Sql } from "postgres";
import { migrationsFolder } from "../drizzle/migrations-folder.js";

export interface MigratePostgresOptions {
  /** A folder laid out by drizzle-kit (`meta/_journal.json` + `<tag>.sql`); default: this package's `migrations/postgres`. */
  migrationsFolder?: string;
  /** Schema of the bookkeeping table; default "drizzle", where `drizzle-kit migrate` keeps it. */
  migrationsSchema?: string;
}

interface Journal {
  entries: { tag: string; when: number }[];
}

interface Migration {
  tag: string;
  when: number;
  hash: string;
  statements: string[];
}

interface NodeFS {
  readFileSync(path: string, encoding: "utf8"): string;
}

/** Any fixed 64-bit number: every migrator of this package takes the same advisory lock. */
const MIGRATION_LOCK = 7_268_417_502_311_904n;

function nodeFS(): NodeFS {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") throw new Error("migratePostgres runs on Node >= 20.16 only");
  return proc.getBuiltinModule("node:fs") as NodeFS;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function readMigrations(folder: string): Promise<Migration[]> {
  const fs = nodeFS();
  const journal = JSON.parse(fs.readFileSync(`${folder}/meta/_journal.json`, "utf8")) as Journal;
  return Promise.all(
    journal.entries.map(async ({ tag, when }) => {
      const text = fs.readFileSync(`${folder}/${tag}.sql`, "utf8");
      const statements = text
        .split("--> statement-breakpoint")
        .map((statement) => statement.trim())
        .filter((statement) => statement.length > 0);
      // Same hash and `created_at` as drizzle-kit's migrator, so either can pick up where the other stopped.
      return { tag, when, hash: await sha256Hex(text), statements };
    }),
  );
}

/**
 * Applies the migrations `sql`'s database has not seen, in journal order, all in ONE
 * transaction (PostgreSQL DDL is transactional: a failure leaves nothing half-applied),
 * under an advisory lock, so two instances deploying at once apply them once.
 * Bookkeeping is drizzle-kit's: `<migrationsSchema>.__drizzle_migrations(id, hash, created_at)`.
 * Tables are created in the first schema of the connection's `search_path`.
 * Returns the tags it applied.
 *
 *   await migratePostgres(postgres(process.env.DATABASE_URL, { max: 1 }));
 */
export async function migratePostgres(sql: Sql, options: MigratePostgresOptions = {}): Promise<string[]> {
  const migrations = await readMigrations(options.migrationsFolder ?? migrationsFolder("postgres"));
  const schema = options.migrationsSchema ?? "drizzle";
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK.toString()}::bigint)`;
    await tx`CREATE SCHEMA IF NOT EXISTS ${tx(schema)}`;
    await tx`CREATE TABLE IF NOT EXISTS ${tx(schema)}.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`;
    const [last] = await tx<{ created_at: string }[]>`SELECT created_at::text FROM ${tx(schema)}.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`;
    const lastWhen = last === undefined ? -Infinity : Number(last.created_at);
    for (const migration of migrations) {
      if (migration.when <= lastWhen) continue;
      for (const statement of migration.statements) await tx.unsafe(statement);
      await tx`INSERT INTO ${tx(schema)}.__drizzle_migrations (hash, created_at) VALUES (${migration.hash}, ${migration.when})`;
      applied.push(migration.tag);
    }
  });
  return applied;
}
