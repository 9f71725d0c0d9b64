/** The D1 tables: the shared SQLite schema (migrations in `migrations/sqlite`). */
export { auditEvents, counters, credentials, sessions, signingKeys, singleUse, singleUseMarks, users } from "../drizzle/sqlite-schema.js";
