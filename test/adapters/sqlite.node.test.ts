/**
 * The SQLite family on a real SQLite engine in Node: better-sqlite3 12, a fresh
 * `:memory:` database per test, migrated with the committed migrations.
 */
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import {
  type BetterSQLite3DatabaseLike,
  type SQLiteStores,
  migrateSQLite,
  sqliteAuditEvents,
  sqlitePurgeExpired,
  sqliteStores,
} from "../../src/adapters/sqlite/index.js";
import { fixedClock } from "../../src/core/context.js";
import { ConflictError, StorageError } from "../../src/core/errors.js";
import type { StoredGrant } from "../../src/ports/access-store.js";
import type { UserStore } from "../../src/ports/user-store.js";
import { describeAccessStore, describeApiKeyStore, describeAtomicStores } from "../../src/testing/index.js";
import { describeKeyStore, describeStores } from "../../src/testing/index.js";

type TestDatabase = BetterSQLite3DatabaseLike & { close(): void };

const opened: TestDatabase[] = [];

function freshDatabase(filename = ":memory:"): TestDatabase {
  const db = new Database(filename) as TestDatabase;
  opened.push(db);
  migrateSQLite(db);
  return db;
}

afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

describeStores(
  "sqlite (better-sqlite3)",
  async () => {
    const db = freshDatabase();
    return { ...sqliteStores(db), db };
  },
  { readAudit: (stores) => sqliteAuditEvents(stores.db) },
);

describeKeyStore("sqlite (better-sqlite3)", async () => sqliteStores(freshDatabase()).keys);

/** A user row for `id`: API keys, memberships and assignments reference one. */
let principalSeq = 0;
async function createPrincipal(users: UserStore, id: string): Promise<void> {
  const n = principalSeq++;
  await users.create({ id, kind: "user", email: `principal-${n}@example.com`, emailVerified: false, name: null, createdAt: new Date(0) }, []);
}

// The suites call `createPrincipal` after `make`, so it writes to the database the last `make` opened.
let current: SQLiteStores;
describeApiKeyStore("sqlite (better-sqlite3)", async () => (current = sqliteStores(freshDatabase())).apiKeys, {
  createPrincipal: (id) => createPrincipal(current.users, id),
});
describeAccessStore("sqlite (better-sqlite3)", async () => (current = sqliteStores(freshDatabase())).access, {
  createPrincipal: (id) => createPrincipal(current.users, id),
});

describeAtomicStores("sqlite (better-sqlite3)", async () => {
  const clock = fixedClock("2026-03-01T00:00:00Z");
  const stores = sqliteStores(freshDatabase(), { clock });
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

describe("sqlite specifics", () => {
  const createdAt = new Date("2026-03-04T05:06:07.089Z");
  const user = (id: string, email: string) => ({ id, kind: "user" as const, email, emailVerified: false, name: null, createdAt });

  test("migrateSQLite is idempotent and creates every table", () => {
    const db = freshDatabase();
    migrateSQLite(db);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual([
      "__drizzle_migrations",
      "api_keys",
      "audit_events",
      "counters",
      "credentials",
      "grants",
      "memberships",
      "role_assignments",
      "sessions",
      "signing_keys",
      "single_use",
      "single_use_marks",
      "users",
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get()).toEqual({ n: 3 });
  });

  test("foreign keys are on: a credential for an unknown user is refused", async () => {
    const db = freshDatabase();
    const stores = sqliteStores(db);
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    const error: unknown = await stores.credentials
      .add({ id: "c1", userId: "ghost", type: "password", identifier: null, secret: "$argon2id$x", createdAt })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(errorText(error)).toContain("FOREIGN KEY constraint failed");
  });

  test("timestamps are integer milliseconds, counters' expiry too", async () => {
    const db = freshDatabase();
    const clock = fixedClock(createdAt.toISOString());
    const stores = sqliteStores(db, { clock });
    await stores.users.create(user("u1", "a@example.com"), []);
    await stores.counters.increment("k", 60);
    expect(db.prepare("SELECT created_at FROM users").get()).toEqual({ created_at: createdAt.getTime() });
    expect(db.prepare("SELECT value, expires_at FROM counters").get()).toEqual({ value: 1, expires_at: createdAt.getTime() + 60_000 });
  });

  test("failures never carry the email or the secret, even in their causes", async () => {
    const stores = sqliteStores(freshDatabase());
    const secret = "$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0$TOPSECRET";
    const credential = { id: "c1", userId: "u1", type: "oauth", identifier: "github:private-subject", secret, createdAt };
    await stores.users.create(user("u1", "secret-person@example.com"), [credential]);

    const conflict: unknown = await stores.users.create(user("u2", "secret-person@example.com"), [{ ...credential, id: "c2", userId: "u2" }]).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(errorText(conflict)).not.toMatch(/secret-person|TOPSECRET/);

    const duplicate: unknown = await stores.credentials.add({ ...credential, id: "c3" }).catch((e: unknown) => e);
    expect(duplicate).toMatchObject({ code: "credential_taken" });

    const duplicateId: unknown = await stores.credentials.add({ ...credential, identifier: "github:other" }).catch((e: unknown) => e);
    expect(duplicateId).toBeInstanceOf(StorageError);
    expect((duplicateId as StorageError).message).toBe("sqlite credentials.add failed");
    expect(errorText(duplicateId)).toContain("UNIQUE constraint failed: credentials.id");
    expect(errorText(duplicateId)).not.toMatch(/TOPSECRET|private-subject/);
  });

  test("a closed database fails every call with StorageError", async () => {
    const db = freshDatabase();
    const stores = sqliteStores(db);
    db.close();
    await expect(stores.users.findById("u1")).rejects.toBeInstanceOf(StorageError);
    await expect(stores.users.create(user("u1", "a@example.com"), [])).rejects.toBeInstanceOf(StorageError);
    await expect(stores.counters.increment("k", 60)).rejects.toBeInstanceOf(StorageError);
    await expect(stores.singleUse.consume("k")).rejects.toBeInstanceOf(StorageError);
    await expect(stores.keys.list()).rejects.toBeInstanceOf(StorageError);
    await expect(stores.apiKeys.findByLookup("k1")).rejects.toBeInstanceOf(StorageError);
    await expect(stores.access.assignmentsFor("u1", null)).rejects.toBeInstanceOf(StorageError);
    await expect(stores.access.removeMember("u1", "t1")).rejects.toBeInstanceOf(StorageError);
  });

  test("purge removes expired counters, values and marks, keeps live ones", async () => {
    const db = freshDatabase();
    const clock = fixedClock("2026-03-01T00:00:00Z");
    const stores = sqliteStores(db, { clock });
    await stores.counters.increment("short", 1);
    await stores.counters.increment("long", 60);
    await stores.singleUse.put("short", "v", 1);
    await stores.singleUse.put("long", "v", 60);
    await stores.singleUse.claim("short", 1);
    await stores.singleUse.claim("long", 60);
    clock.advance(2000);
    await sqlitePurgeExpired(db, { clock });
    const count = (table: string): unknown => db.prepare(`SELECT count(*) AS n FROM ${table}`).get();
    for (const table of ["counters", "single_use", "single_use_marks"]) expect(count(table)).toEqual({ n: 1 });
    expect(await stores.counters.get("long")).toBe(1);
    expect(await stores.singleUse.consume("long")).toBe("v");
  });

  test("updateAssignments is all or nothing: a failing statement late in the change leaves nothing applied", async () => {
    const db = freshDatabase();
    const stores = sqliteStores(db);
    await stores.users.create(user("u1", "a@example.com"), []);
    await stores.access.updateAssignments("u1", "t1", { addRoles: ["viewer"], setGrants: [{ id: "g1", permission: "doc:read", effect: "allow" }] });
    const before = await stores.access.assignmentsFor("u1", "t1");
    // The roles and the first grant are valid; the last grant breaks the CHECK on effect.
    const bad = { id: "g3", permission: "doc:write", effect: "maybe" } as unknown as StoredGrant;
    const error: unknown = await stores.access
      .updateAssignments("u1", "t1", {
        addRoles: ["admin"],
        removeRoles: ["viewer"],
        setGrants: [{ id: "g2", permission: "doc:*", effect: "allow" }, bad],
        removeGrants: ["g1"],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(errorText(error)).toContain("CHECK constraint failed");
    expect(await stores.access.assignmentsFor("u1", "t1")).toEqual(before);
  });

  test("a principal that is not a user is refused, and deleting a user leaves no key, membership or assignment behind", async () => {
    const db = freshDatabase();
    const stores = sqliteStores(db);
    const key = { id: "k1", ownerId: "u1", tenantId: null, name: "ci", prefix: "pk_live_k1", secretHash: "h", scopes: [], createdAt, expiresAt: null, revokedAt: null };
    await expect(stores.apiKeys.create(key)).rejects.toBeInstanceOf(StorageError);
    await expect(stores.access.addMember({ principalId: "u1", tenantId: "t1", createdAt })).rejects.toBeInstanceOf(StorageError);
    await expect(stores.access.updateAssignments("u1", null, { addRoles: ["admin"] })).rejects.toBeInstanceOf(StorageError);

    const count = (table: string): unknown => db.prepare(`SELECT count(*) AS n FROM ${table}`).get();
    const tables = ["api_keys", "memberships", "role_assignments", "grants"];
    // Twice: with foreign keys on (cascade), and off, as other SQLite drivers ship (the store deletes explicitly).
    for (const foreignKeys of ["ON", "OFF"]) {
      await stores.users.create(user("u1", "a@example.com"), []);
      await stores.apiKeys.create(key);
      await stores.access.addMember({ principalId: "u1", tenantId: "t1", createdAt });
      await stores.access.updateAssignments("u1", "t1", { addRoles: ["admin"], setGrants: [{ id: "g", permission: "*", effect: "allow" }] });
      for (const table of tables) expect(count(table), table).toEqual({ n: 1 });
      db.pragma(`foreign_keys = ${foreignKeys}`);
      await stores.users.delete("u1");
      for (const table of tables) expect(count(table), `${table} (foreign keys ${foreignKeys})`).toEqual({ n: 0 });
      expect(await stores.apiKeys.findByLookup("k1")).toBeNull();
    }
  });

  test("the no-tenant encoding stays inside: an empty tenant id is refused, reads nothing, removes nothing", async () => {
    const db = freshDatabase();
    const stores = sqliteStores(db);
    await stores.users.create(user("u1", "a@example.com"), []);
    await stores.access.updateAssignments("u1", null, { addRoles: ["platform-admin"] });
    expect(await stores.access.assignmentsFor("u1", "")).toEqual({ roleIds: [], grants: [] });
    await expect(stores.access.updateAssignments("u1", "", { addRoles: ["x"] })).rejects.toBeInstanceOf(StorageError);
    await expect(stores.access.addMember({ principalId: "u1", tenantId: "", createdAt })).rejects.toBeInstanceOf(StorageError);
    await stores.access.removeMember("u1", "");
    expect(await stores.access.assignmentsFor("u1", null)).toEqual({ roleIds: ["platform-admin"], grants: [] });
    expect(db.prepare("SELECT tenant_key, role_id FROM role_assignments").all()).toEqual([{ tenant_key: "", role_id: "platform-admin" }]);
  });

  test("api key scopes are JSON text, dates integer milliseconds, sessions keep their tenant", async () => {
    const db = freshDatabase();
    const stores = sqliteStores(db);
    await stores.users.create(user("u1", "a@example.com"), []);
    await stores.apiKeys.create({ id: "k1", ownerId: "u1", tenantId: "t1", name: "ci", prefix: "pk_live_k1", secretHash: "h", scopes: ["doc:read"], createdAt, expiresAt: null, revokedAt: null });
    expect(db.prepare("SELECT scopes, created_at, expires_at, last_used_at FROM api_keys").get()).toEqual({
      scopes: '["doc:read"]',
      created_at: createdAt.getTime(),
      expires_at: null,
      last_used_at: null,
    });
    await stores.sessions.create({ id: "s1", userId: "u1", tenantId: "t1", createdAt, expiresAt: createdAt, idleExpiresAt: createdAt, amr: [], ip: null, userAgent: null });
    expect(db.prepare("SELECT tenant_id FROM sessions").get()).toEqual({ tenant_id: "t1" });
  });

  test("a file database shared by two connections sees one set of counters", async () => {
    const dir = `/tmp/portcullis-sqlite-${crypto.randomUUID()}`;
    const { mkdirSync, rmSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    try {
      const a = freshDatabase(`${dir}/auth.db`);
      const b = new Database(`${dir}/auth.db`) as TestDatabase;
      opened.push(b);
      a.pragma("journal_mode = WAL");
      const [first, second] = [sqliteStores(a), sqliteStores(b)];
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).counters.increment("shared", 60)));
      expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await second.singleUse.claim("m", 60)).toBe(true);
      expect(await first.singleUse.claim("m", 60)).toBe(false);
    } finally {
      for (const db of opened.splice(0)) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
