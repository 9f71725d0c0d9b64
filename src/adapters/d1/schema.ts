/** The D1 tables: the shared SQLite schema (migrations in `migrations/sqlite`). */
export { auditEvents, credentials, sessions, users } from "../drizzle/sqlite-schema.js";
