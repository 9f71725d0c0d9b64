/**
 * The PostgreSQL adapter on a real server (127.0.0.1:5432 locally; CI starts one).
 * This run owns a schema of its own (`portcullis_test_<random>`, reached through
 * `search_path`), migrates it with the committed migrations, empties it between
 * tests and drops it at the end. The pool has 12 connections, so the race cases
 * of the atomic suite really run in parallel on the server.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { readdirSync, readFileSync } from "node:fs";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { migratePostgres } from "../../src/adapters/postgres/migrate.js";
import { postgresAuditEvents, postgresPurgeExpired, postgresStores } from "../../src/adapters/postgres/index.js";
import { fixedClock } from "../../src/core/context.js";
import { ConflictError, StorageError } from "../../src/core/errors.js";
import type { StoredGrant } from "../../src/ports/access-store.js";
import type { UserStore } from "../../src/ports/user-store.js";
import { describeAccessStore, describeApiKeyStore, describeAtomicStores } from "../../src/testing/index.js";
import { describeKeyStore, describeStores } from "../../src/testing/index.js";
import { POSTGRES_URL, serviceAvailable } from "../helpers/services.js";

const up = await serviceAvailable("PostgreSQL", POSTGRES_URL);

const SCHEMA = `portcullis_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
const TABLES = [
  "users",
  "credentials",
  "sessions",
  "audit_events",
  "signing_keys",
  "counters",
  "single_use",
  "single_use_marks",
  "api_keys",
  "memberships",
  "role_assignments",
  "grants",
];
const MIGRATIONS = ["0000_init", "0001_tenancy_access_api_keys"];
const APPLICATION = `portcullis_${SCHEMA}`;
const quiet = (): void => {};

/** A client whose every connection works in `schema`. */
function clientFor(schema: string, options: postgres.Options<Record<string, postgres.PostgresType>> = {}): Sql {
  return postgres(POSTGRES_URL, { max: 12, connect_timeout: 5, onnotice: quiet, connection: { search_path: schema, application_name: APPLICATION }, ...options });
}

/** A user row for `id`: API keys, memberships and assignments reference one. */
let principalSeq = 0;
async function createPrincipal(users: UserStore, id: string): Promise<void> {
  const n = principalSeq++;
  await users.create({ id, kind: "user", email: `principal-${n}@example.com`, emailVerified: false, name: null, createdAt: new Date(0) }, []);
}

/** Every message and own field (non-enumerable ones too) along an error's cause chain. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) {
    parts.push(current.message, JSON.stringify(current, Object.getOwnPropertyNames(current).filter((k) => k !== "cause" && k !== "stack")));
  }
  return parts.join("\n");
}

describe.skipIf(!up)("postgres", () => {
  let admin: Sql;
  let client: Sql;
  let db: PostgresJsDatabase;

  beforeAll(async () => {
    admin = postgres(POSTGRES_URL, { max: 2, onnotice: quiet });
    await admin`CREATE SCHEMA ${admin(SCHEMA)}`;
    client = clientFor(SCHEMA);
    await migratePostgres(client, { migrationsSchema: SCHEMA });
    db = drizzle(client);
  });

  afterAll(async () => {
    await client?.end({ timeout: 5 });
    if (admin !== undefined) {
      await admin`DROP SCHEMA IF EXISTS ${admin(SCHEMA)} CASCADE`;
      await admin.end({ timeout: 5 });
    }
  });

  async function emptyTables(): Promise<void> {
    await client.unsafe(`TRUNCATE ${TABLES.join(", ")} RESTART IDENTITY`);
  }

  describeStores(
    "postgres",
    async () => {
      await emptyTables();
      return { ...postgresStores(db), db };
    },
    { readAudit: (stores) => postgresAuditEvents(stores.db) },
  );

  describeKeyStore("postgres", async () => {
    await emptyTables();
    return postgresStores(db).keys;
  });

  describeApiKeyStore(
    "postgres",
    async () => {
      await emptyTables();
      return postgresStores(db).apiKeys;
    },
    { createPrincipal: (id) => createPrincipal(postgresStores(db).users, id) },
  );

  describeAccessStore(
    "postgres",
    async () => {
      await emptyTables();
      return postgresStores(db).access;
    },
    { createPrincipal: (id) => createPrincipal(postgresStores(db).users, id) },
  );

  // Keys are unique per test, so the atomic cases need no emptying.
  describeAtomicStores("postgres", async () => {
    const clock = fixedClock("2026-03-01T00:00:00Z");
    const stores = postgresStores(db, { clock });
    return { counters: stores.counters, singleUse: stores.singleUse, advance: async (ms) => clock.advance(ms) };
  });

  describe("migrations", () => {
    test("the run's schema holds every table, nothing went to public", async () => {
      const rows = await admin<{ table_name: string }[]>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = ${SCHEMA} ORDER BY table_name`;
      expect(rows.map((r) => r.table_name)).toEqual(["__drizzle_migrations", ...[...TABLES].sort()]);
    });

    test("committed SQL never pins the public schema (tables follow search_path)", () => {
      const folder = new URL("../../migrations/postgres/", import.meta.url);
      for (const file of readdirSync(folder).filter((name) => name.endsWith(".sql"))) {
        expect(readFileSync(new URL(file, folder), "utf8"), file).not.toContain('"public".');
      }
    });

    test("a second run applies nothing", async () => {
      expect(await migratePostgres(client, { migrationsSchema: SCHEMA })).toEqual([]);
    });

    test("two concurrent runs on an empty schema apply each migration once", async () => {
      const schema = `${SCHEMA}_m`;
      await admin`CREATE SCHEMA ${admin(schema)}`;
      const [a, b] = [clientFor(schema, { max: 1 }), clientFor(schema, { max: 1 })];
      try {
        const [first, second] = await Promise.all([migratePostgres(a, { migrationsSchema: schema }), migratePostgres(b, { migrationsSchema: schema })]);
        expect([...first, ...second]).toEqual(MIGRATIONS);
        const [row] = await a<{ n: number }[]>`SELECT count(*)::int AS n FROM __drizzle_migrations`;
        expect(row?.n).toBe(MIGRATIONS.length);
      } finally {
        await Promise.all([a.end({ timeout: 5 }), b.end({ timeout: 5 })]);
        await admin`DROP SCHEMA ${admin(schema)} CASCADE`;
      }
    });
  });

  describe("postgres specifics", () => {
    const createdAt = new Date("2026-03-04T05:06:07.089Z");
    const user = (id: string, email: string) => ({ id, kind: "user" as const, email, emailVerified: false, name: null, createdAt });

    beforeEach(emptyTables);

    test("native types: timestamptz with milliseconds, jsonb, boolean", async () => {
      const stores = postgresStores(db);
      await stores.users.create(user("u1", "a@example.com"), []);
      await stores.sessions.create({ id: "s1", userId: "u1", tenantId: "t1", createdAt, expiresAt: createdAt, idleExpiresAt: createdAt, amr: ["pwd"], ip: null, userAgent: null });
      expect(await client`SELECT tenant_id FROM sessions`).toEqual([{ tenant_id: "t1" }]);
      await stores.apiKeys.create({ id: "k1", ownerId: "u1", tenantId: null, name: "ci", prefix: "pk_live_k1", secretHash: "h", scopes: ["doc:read"], createdAt, expiresAt: null, revokedAt: null });
      const [key] = await client<{ scopes: string; created: string }[]>`
        SELECT pg_typeof(scopes)::text AS scopes, pg_typeof(created_at)::text AS created FROM api_keys`;
      expect(key).toEqual({ scopes: "jsonb", created: "timestamp with time zone" });
      const [row] = await client<{ created: string; verified: string; amr: string }[]>`
        SELECT pg_typeof(u.created_at)::text AS created, pg_typeof(u.email_verified)::text AS verified, pg_typeof(s.amr)::text AS amr
        FROM users u JOIN sessions s ON s.user_id = u.id`;
      expect(row).toEqual({ created: "timestamp with time zone", verified: "boolean", amr: "jsonb" });
      const [epoch] = await client<{ ms: string }[]>`SELECT (extract(epoch FROM created_at) * 1000)::bigint::text AS ms FROM users`;
      expect(Number(epoch?.ms)).toBe(createdAt.getTime());
    });

    test("failures never carry the email, the secret or a key value, even in their causes", async () => {
      const stores = postgresStores(db);
      const secret = "$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0$TOPSECRET";
      const credential = { id: "c1", userId: "u1", type: "oauth", identifier: "github:private-subject", secret, createdAt };
      await stores.users.create(user("u1", "secret-person@example.com"), [credential]);

      const conflict: unknown = await stores.users.create(user("u2", "secret-person@example.com"), [{ ...credential, id: "c2", userId: "u2" }]).catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(ConflictError);
      expect((conflict as ConflictError).code).toBe("email_taken");
      expect(errorText(conflict)).not.toMatch(/secret-person|TOPSECRET/);

      const updateConflict: unknown = await stores.users
        .create(user("u3", "other@example.com"), [])
        .then(() => stores.users.update("u3", { email: "secret-person@example.com", updatedAt: createdAt }).catch((e: unknown) => e));
      expect(updateConflict).toBeInstanceOf(ConflictError);

      const duplicate: unknown = await stores.credentials.add({ ...credential, id: "c3" }).catch((e: unknown) => e);
      expect(duplicate).toMatchObject({ code: "credential_taken", status: 409 });
      expect(errorText(duplicate)).not.toMatch(/TOPSECRET|private-subject/);

      const duplicateId: unknown = await stores.credentials.add({ ...credential, identifier: "github:other" }).catch((e: unknown) => e);
      expect(duplicateId).toBeInstanceOf(StorageError);
      expect((duplicateId as StorageError).message).toBe("postgres credentials.add failed");
      expect((duplicateId as StorageError).cause).toMatchObject({ code: "23505", constraint: "credentials_pkey" });
      const text = errorText(duplicateId);
      expect(text).toContain("duplicate key value violates unique constraint");
      // Neither Drizzle's parameter list nor postgres.js's `parameters`/`detail` ("Key (id)=(c1) ...") survive.
      expect(text).not.toMatch(/TOPSECRET|private-subject|Key \(|"parameters"|"detail"/);
    });

    test("a credential for an unknown user is refused (foreign key), without values", async () => {
      const stores = postgresStores(db);
      const error: unknown = await stores.credentials
        .add({ id: "c1", userId: "ghost-user", type: "password", identifier: null, secret: "$argon2id$hidden", createdAt })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).cause).toMatchObject({ code: "23503" });
      expect(errorText(error)).not.toMatch(/ghost-user|hidden/);
    });

    test("updateAssignments is all or nothing: a failing statement late in the change leaves nothing applied", async () => {
      const stores = postgresStores(db);
      await stores.users.create(user("u1", "a@example.com"), []);
      await stores.access.updateAssignments("u1", "t1", { addRoles: ["viewer"], setGrants: [{ id: "g1", permission: "doc:read", effect: "allow" }] });
      const before = await stores.access.assignmentsFor("u1", "t1");
      // Roles added and removed first; then the grants insert breaks the CHECK on effect.
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
      expect((error as StorageError).cause).toMatchObject({ code: "23514", constraint: "grants_effect_check" });
      expect(await stores.access.assignmentsFor("u1", "t1")).toEqual(before);
    });

    test("removeMember is all or nothing", async () => {
      const stores = postgresStores(db, { timeoutMs: 2000 });
      await stores.users.create(user("u1", "a@example.com"), []);
      await stores.access.addMember({ principalId: "u1", tenantId: "t1", createdAt });
      await stores.access.updateAssignments("u1", "t1", { addRoles: ["viewer"], setGrants: [{ id: "g1", permission: "doc:read", effect: "allow" }] });
      // The membership and role deletes succeed, then the grants delete fails: nothing may be gone.
      await client.unsafe(`
        CREATE FUNCTION ${SCHEMA}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
        CREATE TRIGGER refuse_grant_delete BEFORE DELETE ON ${SCHEMA}.grants FOR EACH ROW EXECUTE FUNCTION ${SCHEMA}.refuse();`);
      try {
        await expect(stores.access.removeMember("u1", "t1")).rejects.toBeInstanceOf(StorageError);
        expect(await stores.access.membershipsOf("u1")).toEqual([{ principalId: "u1", tenantId: "t1", createdAt }]);
        expect(await stores.access.assignmentsFor("u1", "t1")).toEqual({ roleIds: ["viewer"], grants: [{ id: "g1", permission: "doc:read", effect: "allow" }] });
      } finally {
        await client.unsafe(`DROP TRIGGER refuse_grant_delete ON ${SCHEMA}.grants; DROP FUNCTION ${SCHEMA}.refuse();`);
      }
      await stores.access.removeMember("u1", "t1");
      expect(await stores.access.assignmentsFor("u1", "t1")).toEqual({ roleIds: [], grants: [] });
    });

    test("deleting a user cascades to its API keys, memberships and assignments", async () => {
      const stores = postgresStores(db);
      await stores.users.create(user("u1", "a@example.com"), []);
      await stores.apiKeys.create({ id: "k1", ownerId: "u1", tenantId: "t1", name: "ci", prefix: "pk_live_k1", secretHash: "h", scopes: [], createdAt, expiresAt: null, revokedAt: null });
      await stores.access.addMember({ principalId: "u1", tenantId: "t1", createdAt });
      await stores.access.updateAssignments("u1", null, { addRoles: ["admin"], setGrants: [{ id: "g", permission: "*", effect: "allow" }] });
      await stores.users.delete("u1");
      for (const table of ["api_keys", "memberships", "role_assignments", "grants"]) {
        expect(await client.unsafe(`SELECT count(*)::int AS n FROM ${table}`), table).toEqual([{ n: 0 }]);
      }
    });

    test("an API key, membership or assignment for an unknown principal is refused (foreign key)", async () => {
      const stores = postgresStores(db);
      const key = { id: "k1", ownerId: "ghost", tenantId: null, name: "ci", prefix: "pk_live_k1", secretHash: "h", scopes: [], createdAt, expiresAt: null, revokedAt: null };
      for (const call of [
        () => stores.apiKeys.create(key),
        () => stores.access.addMember({ principalId: "ghost", tenantId: "t1", createdAt }),
        () => stores.access.updateAssignments("ghost", "t1", { addRoles: ["admin"] }),
      ]) {
        const error: unknown = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).cause).toMatchObject({ code: "23503" });
      }
    });

    test("the no-tenant encoding stays inside: an empty tenant id is refused, reads nothing, removes nothing", async () => {
      const stores = postgresStores(db);
      await stores.users.create(user("u1", "a@example.com"), []);
      await stores.access.updateAssignments("u1", null, { addRoles: ["platform-admin"] });
      expect(await stores.access.assignmentsFor("u1", "")).toEqual({ roleIds: [], grants: [] });
      await expect(stores.access.updateAssignments("u1", "", { addRoles: ["x"] })).rejects.toBeInstanceOf(StorageError);
      await expect(stores.access.addMember({ principalId: "u1", tenantId: "", createdAt })).rejects.toBeInstanceOf(StorageError);
      await stores.access.removeMember("u1", "");
      expect(await stores.access.assignmentsFor("u1", null)).toEqual({ roleIds: ["platform-admin"], grants: [] });
    });

    test("purge removes expired counters, values and marks, keeps live ones", async () => {
      const clock = fixedClock("2026-03-01T00:00:00Z");
      const stores = postgresStores(db, { clock });
      await stores.counters.increment("short", 1);
      await stores.counters.increment("long", 60);
      await stores.singleUse.put("short", "v", 1);
      await stores.singleUse.put("long", "v", 60);
      await stores.singleUse.claim("short", 1);
      await stores.singleUse.claim("long", 60);
      clock.advance(2000);
      await postgresPurgeExpired(db, { clock });
      for (const table of ["counters", "single_use", "single_use_marks"]) {
        expect(await client.unsafe(`SELECT key FROM ${table}`)).toEqual([{ key: "long" }]);
      }
    });

    test("the race cases really race: concurrent calls spread over the whole pool", async () => {
      const stores = postgresStores(db);
      const results = await Promise.all(Array.from({ length: 100 }, () => stores.counters.increment("spread", 60)));
      expect(new Set(results).size).toBe(100);
      const [row] = await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${APPLICATION}`;
      expect(row?.n).toBeGreaterThanOrEqual(10);
    });

    test("a counter window that ends mid-race restarts once", async () => {
      const clock = fixedClock("2026-03-01T00:00:00Z");
      const stores = postgresStores(db, { clock });
      for (let i = 0; i < 5; i++) await stores.counters.increment("window-race", 1);
      clock.advance(1500);
      const results = await Promise.all(Array.from({ length: 40 }, () => stores.counters.increment("window-race", 1)));
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });
  });

  describe("round trips", () => {
    /** A TCP proxy to the real server that counts request/response turns (client speaks, then server answers). */
    async function countingProxy(): Promise<{ port: number; turns: () => number; reset: () => void; close: () => Promise<void> }> {
      const { hostname, port: target } = new URL(POSTGRES_URL);
      let turns = 0;
      let clientSpokeLast = false;
      const sockets: Socket[] = [];
      const proxy = createServer((inbound) => {
        const outbound = connect(Number(target || 5432), hostname);
        sockets.push(inbound, outbound);
        inbound.on("data", (chunk) => {
          clientSpokeLast = true;
          outbound.write(chunk);
        });
        outbound.on("data", (chunk) => {
          if (clientSpokeLast) turns++;
          clientSpokeLast = false;
          inbound.write(chunk);
        });
        inbound.on("close", () => outbound.destroy());
        outbound.on("close", () => inbound.destroy());
        inbound.on("error", () => outbound.destroy());
        outbound.on("error", () => inbound.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
      return {
        port: (proxy.address() as { port: number }).port,
        turns: () => turns,
        reset: () => {
          turns = 0;
        },
        close: async () => {
          for (const socket of sockets) socket.destroy();
          await new Promise<void>((resolve) => proxy.close(() => resolve()));
        },
      };
    }

    beforeEach(emptyTables);

    test("an authenticated request (sessions.get + users.findById) costs 2 round trips on a warm connection", async () => {
      const proxy = await countingProxy();
      const url = new URL(POSTGRES_URL);
      url.host = `127.0.0.1:${proxy.port}`;
      const viaProxy = postgres(url.toString(), { max: 1, onnotice: quiet, connection: { search_path: SCHEMA } });
      try {
        const stores = postgresStores(drizzle(viaProxy));
        const at = new Date("2026-03-04T05:06:07.089Z");
        await stores.users.create({ id: "u1", kind: "user", email: "a@example.com", emailVerified: false, name: null, createdAt: at }, []);
        await stores.sessions.create({ id: "s1", userId: "u1", tenantId: null, createdAt: at, expiresAt: at, idleExpiresAt: at, amr: ["pwd"], ip: null, userAgent: null });
        const request = async (): Promise<number> => {
          proxy.reset();
          const session = await stores.sessions.get("s1");
          expect(await stores.users.findById(session!.userId)).not.toBeNull();
          return proxy.turns();
        };
        // First use on a connection also prepares each statement (Parse/Describe); after that, one turn a query.
        expect(await request()).toBe(4);
        expect(await request()).toBe(2);
        expect(await request()).toBe(2);
        proxy.reset();
        await stores.counters.increment("rate", 60);
        await stores.counters.increment("rate", 60);
        expect(proxy.turns()).toBe(3);
      } finally {
        await viaProxy.end({ timeout: 1 });
        await proxy.close();
      }
    });
  });

  describe("faults: always StorageError, never a long hang", () => {
    const elapsed = async (run: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> => {
      const start = Date.now();
      const error = await run().then(
        () => null,
        (e: unknown) => e,
      );
      return { error, ms: Date.now() - start };
    };

    test("nothing listening on the port", async () => {
      const dead = postgres("postgres://postgres@127.0.0.1:1/test", { max: 1, connect_timeout: 2, onnotice: quiet });
      try {
        const { error, ms } = await elapsed(() => postgresStores(drizzle(dead)).users.findById("u1"));
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).status).toBe(503);
        expect((error as StorageError).cause).toMatchObject({ code: "ECONNREFUSED" });
        expect(ms).toBeLessThan(3000);
      } finally {
        await dead.end({ timeout: 1 });
      }
    });

    test("every method on an unreachable server rejects with StorageError named for its operation", async () => {
      const dead = postgres("postgres://postgres@127.0.0.1:1/test", { max: 1, connect_timeout: 2, onnotice: quiet });
      // postgres.js backs off between failed connects (up to 20 s): the stores' deadline bounds every call anyway.
      const stores = postgresStores(drizzle(dead), { timeoutMs: 1500 });
      const at = new Date(0);
      const calls: [string, () => Promise<unknown>][] = [
        ["users.create", () => stores.users.create({ id: "u1", kind: "user", email: "hidden@example.com", emailVerified: false, name: null, createdAt: at }, [])],
        ["users.findById", () => stores.users.findById("u1")],
        ["users.findByEmail", () => stores.users.findByEmail("hidden@example.com")],
        ["users.update", () => stores.users.update("u1", { name: "x", updatedAt: at })],
        ["users.delete", () => stores.users.delete("u1")],
        ["credentials.add", () => stores.credentials.add({ id: "c1", userId: "u1", type: "password", identifier: null, secret: "$hidden", createdAt: at })],
        ["credentials.listByUser", () => stores.credentials.listByUser("u1")],
        ["credentials.findByIdentifier", () => stores.credentials.findByIdentifier("oauth", "x")],
        ["credentials.updateSecret", () => stores.credentials.updateSecret("c1", "$hidden", at)],
        ["credentials.remove", () => stores.credentials.remove("c1")],
        ["sessions.create", () => stores.sessions.create({ id: "s1", userId: "u1", tenantId: null, createdAt: at, expiresAt: at, idleExpiresAt: at, amr: [], ip: null, userAgent: null })],
        ["sessions.get", () => stores.sessions.get("s1")],
        ["sessions.touch", () => stores.sessions.touch("s1", at)],
        ["sessions.delete", () => stores.sessions.delete("s1")],
        ["sessions.listByUser", () => stores.sessions.listByUser("u1")],
        ["sessions.deleteByUser", () => stores.sessions.deleteByUser("u1")],
        ["audit.write", () => stores.audit.write({ id: "e", type: "sign_in", outcome: "failure", reason: "x", at, requestId: "r", userId: null, sessionRef: null, ip: null, userAgent: null })],
        ["keys.list", () => stores.keys.list()],
        ["keys.put", () => stores.keys.put({ kid: "k", alg: "EdDSA", privateJwk: {}, publicJwk: {}, createdAt: at, status: "active" })],
        ["counters.increment", () => stores.counters.increment("k", 60)],
        ["counters.get", () => stores.counters.get("k")],
        ["counters.reset", () => stores.counters.reset("k")],
        ["singleUse.put", () => stores.singleUse.put("k", "v", 60)],
        ["singleUse.consume", () => stores.singleUse.consume("k")],
        ["singleUse.claim", () => stores.singleUse.claim("k", 60)],
        [
          "apiKeys.create",
          () =>
            stores.apiKeys.create({ id: "k1", ownerId: "u1", tenantId: null, name: "n", prefix: "p", secretHash: "hidden", scopes: [], createdAt: at, expiresAt: null, revokedAt: null }),
        ],
        ["apiKeys.findByLookup", () => stores.apiKeys.findByLookup("k1")],
        ["apiKeys.listByOwner", () => stores.apiKeys.listByOwner("u1")],
        ["apiKeys.revoke", () => stores.apiKeys.revoke("k1", at)],
        ["access.assignmentsFor", () => stores.access.assignmentsFor("u1", "t1")],
        ["access.membershipsOf", () => stores.access.membershipsOf("u1")],
        ["access.membersOf", () => stores.access.membersOf("t1")],
        ["access.addMember", () => stores.access.addMember({ principalId: "u1", tenantId: "t1", createdAt: at })],
        ["access.removeMember", () => stores.access.removeMember("u1", "t1")],
        ["access.updateAssignments", () => stores.access.updateAssignments("u1", "t1", { addRoles: ["admin"] })],
      ];
      try {
        const start = Date.now();
        const errors = await Promise.all(calls.map(async ([, call]) => call().catch((e: unknown) => e)));
        expect(Date.now() - start).toBeLessThan(2500);
        calls.forEach(([operation], i) => {
          expect(errors[i], operation).toBeInstanceOf(StorageError);
          expect((errors[i] as StorageError).message).toBe(`postgres ${operation} failed`);
          expect(errorText(errors[i])).not.toContain("hidden");
        });
        // Later calls too, though the driver is now backing off before its next connect.
        const { error, ms } = await elapsed(() => stores.sessions.get("s1"));
        expect(error).toBeInstanceOf(StorageError);
        expect(ms).toBeLessThan(2000);
      } finally {
        await dead.end({ timeout: 1 });
      }
    });

    test("a server that accepts and never answers: connect_timeout ends the wait", async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const { port } = silent.address() as { port: number };
      const stuck = postgres(`postgres://postgres@127.0.0.1:${port}/test`, { max: 1, connect_timeout: 1, onnotice: quiet });
      try {
        const { error, ms } = await elapsed(() => postgresStores(drizzle(stuck)).counters.increment("k", 60));
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).cause).toMatchObject({ code: "CONNECT_TIMEOUT" });
        expect(ms).toBeLessThan(3000);
      } finally {
        await stuck.end({ timeout: 1 });
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });

    test("a query stuck behind a lock gives up at the deadline with StorageError", async () => {
      const stores = postgresStores(db, { timeoutMs: 300 });
      await admin.begin(async (tx) => {
        await tx.unsafe(`LOCK TABLE ${SCHEMA}.sessions IN ACCESS EXCLUSIVE MODE`);
        const { error, ms } = await elapsed(() => stores.sessions.get("no-such-session"));
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).cause).toMatchObject({ code: "TIMEOUT" });
        expect(ms).toBeGreaterThanOrEqual(250);
        expect(ms).toBeLessThan(1500);
      });
      // The abandoned query finishes once the lock is gone; the pool is still usable.
      expect(await stores.sessions.get("no-such-session")).toBeNull();
    });

    test("a connection killed mid-query rejects with StorageError; later calls reconnect", async () => {
      const application = `portcullis_kill_${SCHEMA}`.slice(0, 63);
      const victim = clientFor(SCHEMA, { max: 1, connection: { search_path: SCHEMA, application_name: application } });
      const stores = postgresStores(drizzle(victim));
      await stores.users.findById("warm-up");
      try {
        // Hold a lock the store's query must wait for, then kill the waiting backend.
        const blocked = await admin.begin(async (tx) => {
          await tx.unsafe(`LOCK TABLE ${SCHEMA}.users IN ACCESS EXCLUSIVE MODE`);
          const pending = elapsed(() => stores.users.findById("u1"));
          await waitFor(async () => (await tx`SELECT 1 FROM pg_stat_activity WHERE application_name = ${application} AND wait_event_type = 'Lock'`).length === 1);
          await tx`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${application}`;
          return pending;
        });
        expect(blocked.error).toBeInstanceOf(StorageError);
        expect(blocked.ms).toBeLessThan(5000);
        expect(errorText(blocked.error)).not.toContain("u1");
        // postgres.js may hand the server's FATAL message to the next query too (also a StorageError); then it reconnects.
        const after = await Promise.allSettled([0, 1, 2].map(async () => stores.users.findById("u1")));
        for (const result of after) if (result.status === "rejected") expect(result.reason).toBeInstanceOf(StorageError);
        await waitFor(async () => (await stores.users.findById("u1").then(() => true, () => false)));
      } finally {
        await victim.end({ timeout: 1 });
      }
    });
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
