/** The D1 tables: the shared SQLite schema (migrations in `migrations/sqlite`). */
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
