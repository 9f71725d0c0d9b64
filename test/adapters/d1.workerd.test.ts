import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { type D1DatabaseLike, d1AuditEvents, d1CoreStores, d1PurgeExpired, d1Stores } from "../../src/adapters/d1/index.js";
import { fixedClock } from "../../src/core/context.js";
import { ConflictError, StorageError } from "../../src/core/errors.js";
import type { StoredGrant } from "../../src/ports/access-store.js";
import { describeAccessStore, describeApiKeyStore, describeAtomicStores } from "../../src/testing/index.js";
import { describeKeyStore, describeStores } from "../../src/testing/index.js";
import { sqliteMigrations } from "./d1-migrations.js";

const DB = (env as unknown as { DB: D1DatabaseLike }).DB;
// Rows referencing users first (D1 enforces foreign keys).
const TABLES = [
  "api_keys",
  "memberships",
  "role_assignments",
  "grants",
  "credentials",
  "users",
  "sessions",
  "audit_events",
  "signing_keys",
  "counters",
  "single_use",
  "single_use_marks",
];

beforeAll(async () => {
  expect(sqliteMigrations.length).toBeGreaterThan(0);
  await applyD1Migrations(DB as unknown as Parameters<typeof applyD1Migrations>[0], sqliteMigrations);
});

async function emptyTables(): Promise<void> {
  await DB.batch(TABLES.map((table) => DB.prepare(`DELETE FROM ${table}`)));
}

describeStores(
  "d1",
  async () => {
    await emptyTables();
    return d1Stores(DB);
  },
  { readAudit: () => d1AuditEvents(DB) },
);

describeKeyStore("d1", async () => {
  await emptyTables();
  return d1Stores(DB).keys;
});

/** A user row for `id`: API keys, memberships and assignments reference one. */
let principalSeq = 0;
async function createPrincipal(id: string): Promise<void> {
  const n = principalSeq++;
  await d1Stores(DB).users.create({ id, kind: "user", email: `principal-${n}@example.com`, emailVerified: false, name: null, createdAt: new Date(0) }, []);
}

describeApiKeyStore(
  "d1",
  async () => {
    await emptyTables();
    return d1Stores(DB).apiKeys;
  },
  { createPrincipal },
);

// The Worker's bundle: the core stores carry access and API keys too.
describeAccessStore(
  "d1",
  async () => {
    await emptyTables();
    return d1CoreStores(DB).access;
  },
  { createPrincipal },
);

// Keys are unique per test, so the atomic cases share the one D1 database without emptying it.
describeAtomicStores("d1", async () => {
  const clock = fixedClock("2026-03-01T00:00:00Z");
  const stores = d1Stores(DB, { clock });
  return { counters: stores.counters, singleUse: stores.singleUse, advance: async (ms) => clock.advance(ms) };
});

/** Every message and own string field along an error's cause chain. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) {
    parts.push(current.message, JSON.stringify(current, Object.getOwnPropertyNames(current).filter((k) => k !== "cause" && k !== "stack")));
  }
  return parts.join("\n");
}

describe("d1 specifics", () => {
  test("every committed migration is applied, in order", async () => {
    const { results } = await DB.prepare("SELECT name FROM d1_migrations ORDER BY id").all();
    expect(results.map((row) => (row as { name: string }).name)).toEqual(sqliteMigrations.map((m) => m.name));
    expect(sqliteMigrations.map((m) => m.name)).toContain("0001_atomic_and_keys.sql");
    expect(sqliteMigrations.map((m) => m.name)).toContain("0002_tenancy_access_api_keys.sql");
  });

  test("purge removes expired counters, values and marks, keeps live ones", async () => {
    await emptyTables();
    const clock = fixedClock("2026-03-01T00:00:00Z");
    const stores = d1Stores(DB, { clock });
    await stores.counters.increment("short", 1);
    await stores.counters.increment("long", 60);
    await stores.singleUse.put("short", "v", 1);
    await stores.singleUse.put("long", "v", 60);
    await stores.singleUse.claim("short", 1);
    await stores.singleUse.claim("long", 60);
    clock.advance(2000);
    await d1PurgeExpired(DB, { clock });
    for (const table of ["counters", "single_use", "single_use_marks"]) {
      const { results } = await DB.prepare(`SELECT key FROM ${table}`).all();
      expect(results).toEqual([{ key: "long" }]);
    }
  });

  test("timestamps are integer milliseconds and amr is JSON text", async () => {
    await emptyTables();
    const stores = d1Stores(DB);
    const createdAt = new Date("2026-03-04T05:06:07.089Z");
    await stores.users.create({ id: "u1", kind: "user", email: "a@example.com", emailVerified: true, name: null, createdAt }, []);
    await stores.sessions.create({ id: "s1", userId: "u1", tenantId: "t1", createdAt, expiresAt: createdAt, idleExpiresAt: createdAt, amr: ["pwd"], ip: null, userAgent: null });
    await stores.apiKeys.create({ id: "k1", ownerId: "u1", tenantId: null, name: "ci", prefix: "pk_live_k1", secretHash: "h", scopes: ["doc:read"], createdAt, expiresAt: null, revokedAt: null });
    const { results: keys } = await DB.prepare("SELECT scopes, created_at, expires_at FROM api_keys").all();
    expect(keys).toEqual([{ scopes: '["doc:read"]', created_at: createdAt.getTime(), expires_at: null }]);
    const { results: users } = await DB.prepare("SELECT created_at, email_verified FROM users").all();
    expect(users).toEqual([{ created_at: createdAt.getTime(), email_verified: 1 }]);
    const { results: sessions } = await DB.prepare("SELECT amr, tenant_id FROM sessions").all();
    expect(sessions).toEqual([{ amr: '["pwd"]', tenant_id: "t1" }]);
  });

  test("updateAssignments is one batch: a failing statement late in the change leaves nothing applied", async () => {
    await emptyTables();
    const stores = d1Stores(DB);
    await stores.users.create({ id: "u1", kind: "user", email: "a@example.com", emailVerified: false, name: null, createdAt: new Date(0) }, []);
    await stores.access.updateAssignments("u1", "t1", { addRoles: ["viewer"], setGrants: [{ id: "g1", permission: "doc:read", effect: "allow" }] });
    const before = await stores.access.assignmentsFor("u1", "t1");
    // The roles and the first grant are valid; the last grant breaks the CHECK on effect.
    const bad = { id: "g3", permission: "doc:write", effect: "maybe" } as unknown as StoredGrant;
    const error: unknown = await stores.access
      .updateAssignments("u1", "t1", { addRoles: ["admin"], removeRoles: ["viewer"], setGrants: [{ id: "g2", permission: "doc:*", effect: "allow" }, bad], removeGrants: ["g1"] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(errorText(error)).toContain("CHECK constraint failed");
    expect(await stores.access.assignmentsFor("u1", "t1")).toEqual(before);
  });

  test("deleting a user takes its API keys, memberships and assignments along", async () => {
    await emptyTables();
    const stores = d1Stores(DB);
    const createdAt = new Date(0);
    await stores.users.create({ id: "u1", kind: "user", email: "a@example.com", emailVerified: false, name: null, createdAt }, []);
    await stores.apiKeys.create({ id: "k1", ownerId: "u1", tenantId: "t1", name: "ci", prefix: "pk_live_k1", secretHash: "h", scopes: [], createdAt, expiresAt: null, revokedAt: null });
    await stores.access.addMember({ principalId: "u1", tenantId: "t1", createdAt });
    await stores.access.updateAssignments("u1", null, { addRoles: ["admin"], setGrants: [{ id: "g", permission: "*", effect: "allow" }] });
    await stores.users.delete("u1");
    for (const table of ["api_keys", "memberships", "role_assignments", "grants"]) {
      const { results } = await DB.prepare(`SELECT count(*) AS n FROM ${table}`).all();
      expect(results, table).toEqual([{ n: 0 }]);
    }
  });

  test("failures never carry the email or the secret, even in their causes", async () => {
    await emptyTables();
    const stores = d1Stores(DB);
    const createdAt = new Date(0);
    const secret = "$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0$TOPSECRET";
    const credential = { id: "c1", userId: "u1", type: "oauth", identifier: "github:private-subject", secret, createdAt };
    await stores.users.create({ id: "u1", kind: "user", email: "secret-person@example.com", emailVerified: false, name: null, createdAt }, [credential]);

    const conflict: unknown = await stores.users
      .create({ id: "u2", kind: "user", email: "secret-person@example.com", emailVerified: false, name: null, createdAt }, [{ ...credential, id: "c2", userId: "u2" }])
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(errorText(conflict)).not.toMatch(/secret-person|TOPSECRET/);

    const updateConflict: unknown = await stores.users.create({ id: "u3", kind: "user", email: "other@example.com", emailVerified: false, name: null, createdAt }, []).then(() =>
      stores.users.update("u3", { email: "secret-person@example.com", updatedAt: createdAt }).catch((e: unknown) => e),
    );
    expect(updateConflict).toBeInstanceOf(ConflictError);
    expect(errorText(updateConflict)).not.toContain("secret-person");

    const duplicate: unknown = await stores.credentials.add({ ...credential, id: "c3" }).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(ConflictError);
    expect((duplicate as ConflictError).code).toBe("credential_taken");
    expect(errorText(duplicate)).not.toMatch(/TOPSECRET|private-subject/);

    const duplicateId: unknown = await stores.credentials.add({ ...credential, identifier: "github:other" }).catch((e: unknown) => e);
    expect(duplicateId).toBeInstanceOf(StorageError);
    expect((duplicateId as StorageError).message).toBe("d1 credentials.add failed");
    expect((duplicateId as StorageError).cause).toBeInstanceOf(Error);
    expect(errorText(duplicateId)).toContain("UNIQUE constraint failed");
    expect(errorText(duplicateId)).not.toMatch(/TOPSECRET|private-subject/);
  });
});
