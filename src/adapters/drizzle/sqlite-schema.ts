/**
 * The SQLite schema shared by every SQLite-family adapter (D1 and better-sqlite3).
 * Plain SQLite only: no D1-specific SQL, so the same migrations apply to both.
 * Timestamps are integer milliseconds since the epoch (`timestamp_ms` mode:
 * Drizzle maps them to and from `Date`). Column keys match the port types, so a
 * selected row is already the domain object.
 *
 * The expiry columns of the atomic-primitive tables stay plain integers (ms):
 * they are only ever compared with the injected clock's `now` inside one SQL
 * statement, never handed back as a `Date`.
 *
 * PostgreSQL has its own mirror, `src/adapters/postgres/schema.ts`, with the same
 * table and column names.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { AuditEvent } from "../../ports/audit-sink.js";
import type { Grant, Permission } from "../../ports/authorization.js";
import type { SigningAlgorithm, StoredKey } from "../../ports/key-store.js";
import type { PrincipalKind } from "../../ports/user-store.js";
import type { JWK } from "../../ports/key-store.js";

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
    /** The tenant the session acts in; null outside any tenant. */
    tenantId: text("tenant_id"),
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

/**
 * Signing keys for the JWT strategy. A `put` with a known kid replaces the row in
 * place (upsert), so SQLite's implicit rowid keeps the order of first insertion:
 * the tie-breaker for keys created in the same millisecond.
 */
export const signingKeys = sqliteTable("signing_keys", {
  kid: text("kid").primaryKey(),
  alg: text("alg").$type<SigningAlgorithm>().notNull(),
  /** JSON text; the private half is as sensitive as a password hash. */
  privateJwk: text("private_jwk", { mode: "json" }).$type<JWK>().notNull(),
  publicJwk: text("public_jwk", { mode: "json" }).$type<JWK>().notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  status: text("status").$type<StoredKey["status"]>().notNull(),
});

/** Fixed-window counters: a row lives from the first increment until `expires_at` (ms). */
export const counters = sqliteTable(
  "counters",
  {
    key: text("key").primaryKey(),
    value: integer("value").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  // For purging expired rows without a full scan.
  (t) => [index("counters_expires_at_idx").on(t.expiresAt)],
);

/** Values consumed at most once (`SingleUseStore.put` / `consume`). */
export const singleUse = sqliteTable(
  "single_use",
  {
    key: text("key").primaryKey(),
    value: text("value").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("single_use_expires_at_idx").on(t.expiresAt)],
);

/**
 * Replay marks (`SingleUseStore.claim`). A table of their own, not a kind column in
 * `single_use`: claim and put/consume are separate key spaces, as in every other adapter.
 */
export const singleUseMarks = sqliteTable(
  "single_use_marks",
  {
    key: text("key").primaryKey(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("single_use_marks_expires_at_idx").on(t.expiresAt)],
);

/**
 * API keys (`ApiKeyStore`). `id` is the key's public lookup id; only the SHA-256 of the
 * secret is kept. The owner is a user row (services are users of kind "service"), and
 * deleting it takes its keys along: no key outlives the principal it acts for.
 */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id"),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull(),
    /** JSON array of permission patterns. */
    scopes: text("scopes", { mode: "json" }).$type<Permission[]>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
  },
  // Owner first, then age: `listByOwner` reads the index in the order it answers.
  (t) => [index("api_keys_owner_id_idx").on(t.ownerId, t.createdAt)],
);

/** Tenant memberships (`AccessStore`): the tenant lives on the membership, never on the user row. */
export const memberships = sqliteTable(
  "memberships",
  {
    principalId: text("principal_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ name: "memberships_pk", columns: [t.principalId, t.tenantId] }), index("memberships_tenant_id_idx").on(t.tenantId)],
);

/**
 * Role attachments and direct grants hold per (principal, tenant), the tenant possibly
 * none. A NULL cannot sit in a primary key (and NULLs never conflict in a unique index), so
 * these tables key on `tenant_key`: the tenant id, or '' for "no tenant". Tenant ids are
 * never empty, so the encoding is one-to-one; it stays inside the adapters
 * (src/adapters/drizzle/access-rows.ts), which refuse an empty tenant id.
 */
export const roleAssignments = sqliteTable(
  "role_assignments",
  {
    principalId: text("principal_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tenantKey: text("tenant_key").notNull(),
    roleId: text("role_id").notNull(),
    /** When the role was attached (the store's clock); for operators, not part of the port. */
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ name: "role_assignments_pk", columns: [t.principalId, t.tenantKey, t.roleId] })],
);

/** Direct grants and explicit denies, named by `grant_id` within (principal, tenant); see `roleAssignments` for `tenant_key`. */
export const grants = sqliteTable(
  "grants",
  {
    principalId: text("principal_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tenantKey: text("tenant_key").notNull(),
    grantId: text("grant_id").notNull(),
    permission: text("permission").$type<Permission>().notNull(),
    effect: text("effect").$type<Grant["effect"]>().notNull(),
    /** When the grant was last set (the store's clock); for operators, not part of the port. */
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ name: "grants_pk", columns: [t.principalId, t.tenantKey, t.grantId] }),
    // Unqualified column, as in the partial index above. An unknown effect must never reach the authorizer.
    check("grants_effect_check", sql`effect in ('allow', 'deny')`),
  ],
);
