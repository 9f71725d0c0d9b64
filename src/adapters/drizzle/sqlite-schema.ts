/**
 * The SQLite schema shared by every SQLite-family adapter (D1 now, better-sqlite3
 * later). Plain SQLite only: no D1-specific SQL, so the same migrations apply to
 * both. Timestamps are integer milliseconds since the epoch (`timestamp_ms`
 * mode: Drizzle maps them to and from `Date`). Column keys match the port
 * types, so a selected row is already the domain object.
 *
 * Postgres will get its own `pg-schema.ts` beside this file with the same
 * table and key names.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { AuditEvent } from "../../ports/audit-sink.js";
import type { PrincipalKind } from "../../ports/user-store.js";

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  kind: text("kind").$type<PrincipalKind>().notNull(),
  /** Normalised by the caller; the unique constraint is what makes sign-up race-safe. */
  email: text("email").notNull().unique("users_email_unique"),
  emailVerified: integer("email_verified", { mode: "boolean" }).notNull(),
  name: text("name"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

export const credentials = sqliteTable(
  "credentials",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    /** Null for passwords; "provider:subject" for OAuth, the credential id for passkeys. */
    identifier: text("identifier"),
    secret: text("secret").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // Unqualified column in the predicate: SQLite partial indexes want plain column names.
    uniqueIndex("credentials_type_identifier_unique").on(t.type, t.identifier).where(sql`identifier is not null`),
    index("credentials_user_id_idx").on(t.userId),
  ],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the token (base64url); the token itself is never stored. */
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    idleExpiresAt: integer("idle_expires_at", { mode: "timestamp_ms" }).notNull(),
    /** JSON array of RFC 8176 method strings. */
    amr: text("amr", { mode: "json" }).$type<string[]>().notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    type: text("type").$type<AuditEvent["type"]>().notNull(),
    outcome: text("outcome").$type<AuditEvent["outcome"]>().notNull(),
    reason: text("reason").notNull(),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    requestId: text("request_id").notNull(),
    userId: text("user_id"),
    sessionRef: text("session_ref"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    /** JSON object of extra fields, or null when the event had none. */
    detail: text("detail", { mode: "json" }).$type<NonNullable<AuditEvent["detail"]>>(),
  },
  (t) => [index("audit_events_user_id_at_idx").on(t.userId, t.at), index("audit_events_at_idx").on(t.at)],
);
