import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

/**
 * A Drizzle PostgreSQL database. The documented driver is postgres.js
 * (`drizzle(postgres(url))` from drizzle-orm/postgres-js); the stores use only
 * portable Drizzle calls and read error fields both postgres.js and node-postgres
 * set, but `users.create` needs interactive transactions, so Neon's HTTP driver
 * (no transactions) does not qualify.
 */
export type PostgresDatabase = PgDatabase<PgQueryResultHKT>;
