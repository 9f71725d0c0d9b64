/**
 * The PostgreSQL schema: a mirror of `src/adapters/drizzle/sqlite-schema.ts` with
 * the same table and column names, in native types:
 *
 * - timestamps are `timestamptz(3)`: millisecond precision, exactly what a JS `Date`
 *   holds, so values round-trip unchanged and stay readable in psql; expiry
 *   columns too (compared with the injected clock's `now`, bound as a parameter);
 * - JSON values (amr, audit detail, JWKs) are `jsonb`;
 * - booleans are `boolean`.
 *
 * Tables are unqualified: they live in whatever schema `search_path` names
 * (`public` by default), so one database can host several isolated copies.
 */
import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import type { AuditEvent } from "../../ports/audit-sink.js";
import type { Grant, Permission } from "../../ports/authorization.js";
import type { SigningAlgorithm, StoredKey } from "../../ports/key-store.js";
import type { PrincipalKind } from "../../ports/user-store.js";
import type { JWK } from "../../ports/key-store.js";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: "date" });

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  kind: text("kind").$type<PrincipalKind>().notNull(),
  /** Normalised by the caller; the unique constraint is what makes sign-up race-safe. */
  email: text("email").notNull().unique("users_email_unique"),
  emailVerified: boolean("email_verified").notNull(),
  name: text("name"),
  createdAt: timestamptz("created_at").notNull(),
  updatedAt: timestamptz("updated_at").notNull(),
});

export const credentials = pgTable(
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
    createdAt: timestamptz("created_at").notNull(),
    updatedAt: timestamptz("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("credentials_type_identifier_unique").on(t.type, t.identifier).where(sql`identifier is not null`),
    index("credentials_user_id_idx").on(t.userId),
  ],
);

export const sessions = pgTable(
  "sessions",
  {
    /** SHA-256 of the token (base64url); the token itself is never stored. */
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    /** The tenant the session acts in; null outside any tenant. */
    tenantId: text("tenant_id"),
    createdAt: timestamptz("created_at").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
    idleExpiresAt: timestamptz("idle_expires_at").notNull(),
    /** JSON array of RFC 8176 method strings. */
    amr: jsonb("amr").$type<string[]>().notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

export const auditEvents = pgTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    type: text("type").$type<AuditEvent["type"]>().notNull(),
    outcome: text("outcome").$type<AuditEvent["outcome"]>().notNull(),
    reason: text("reason").notNull(),
    at: timestamptz("at").notNull(),
    requestId: text("request_id").notNull(),
    userId: text("user_id"),
    sessionRef: text("session_ref"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    detail: jsonb("detail").$type<NonNullable<AuditEvent["detail"]>>(),
  },
  (t) => [index("audit_events_user_id_at_idx").on(t.userId, t.at), index("audit_events_at_idx").on(t.at)],
);

/**
 * Signing keys. `seq` plays the part of SQLite's rowid: set once at first insert and
 * kept by the upsert that retires a key, it breaks ties between keys created in the
 * same millisecond (the later first put lists first).
 */
export const signingKeys = pgTable("signing_keys", {
  kid: text("kid").primaryKey(),
  alg: text("alg").$type<SigningAlgorithm>().notNull(),
  privateJwk: jsonb("private_jwk").$type<JWK>().notNull(),
  publicJwk: jsonb("public_jwk").$type<JWK>().notNull(),
  createdAt: timestamptz("created_at").notNull(),
  status: text("status").$type<StoredKey["status"]>().notNull(),
  seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity().notNull(),
});

export const counters = pgTable(
  "counters",
  {
    key: text("key").primaryKey(),
    value: integer("value").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
  },
  (t) => [index("counters_expires_at_idx").on(t.expiresAt)],
);

export const singleUse = pgTable(
  "single_use",
  {
    key: text("key").primaryKey(),
    value: text("value").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
  },
  (t) => [index("single_use_expires_at_idx").on(t.expiresAt)],
);

export const singleUseMarks = pgTable(
  "single_use_marks",
  {
    key: text("key").primaryKey(),
    expiresAt: timestamptz("expires_at").notNull(),
  },
  (t) => [index("single_use_marks_expires_at_idx").on(t.expiresAt)],
);

/** API keys; the owner's deletion takes its keys along (see the SQLite schema). */
export const apiKeys = pgTable(
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
    scopes: jsonb("scopes").$type<Permission[]>().notNull(),
    createdAt: timestamptz("created_at").notNull(),
    expiresAt: timestamptz("expires_at"),
    revokedAt: timestamptz("revoked_at"),
    lastUsedAt: timestamptz("last_used_at"),
  },
  (t) => [index("api_keys_owner_id_idx").on(t.ownerId, t.createdAt)],
);

export const memberships = pgTable(
  "memberships",
  {
    principalId: text("principal_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id").notNull(),
    createdAt: timestamptz("created_at").notNull(),
  },
  (t) => [primaryKey({ name: "memberships_pk", columns: [t.principalId, t.tenantId] }), index("memberships_tenant_id_idx").on(t.tenantId)],
);

/** `tenant_key`: the tenant id, or '' for "no tenant" (a NULL cannot sit in a primary key); see the SQLite schema. */
export const roleAssignments = pgTable(
  "role_assignments",
  {
    principalId: text("principal_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tenantKey: text("tenant_key").notNull(),
    roleId: text("role_id").notNull(),
    createdAt: timestamptz("created_at").notNull(),
  },
  (t) => [primaryKey({ name: "role_assignments_pk", columns: [t.principalId, t.tenantKey, t.roleId] })],
);

export const grants = pgTable(
  "grants",
  {
    principalId: text("principal_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tenantKey: text("tenant_key").notNull(),
    grantId: text("grant_id").notNull(),
    permission: text("permission").$type<Permission>().notNull(),
    effect: text("effect").$type<Grant["effect"]>().notNull(),
    updatedAt: timestamptz("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ name: "grants_pk", columns: [t.principalId, t.tenantKey, t.grantId] }),
    check("grants_effect_check", sql`effect in ('allow', 'deny')`),
  ],
);
