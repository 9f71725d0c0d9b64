/**
 * Cloudflare KV adapters against a real (local) KV namespace in workerd. Locally
 * KV is strongly consistent, so these tests check layout, expiry, indexing and
 * failure handling; the ~60 s cross-location delay is simulated with a stale view.
 */
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { kvCachedUserStore, type KVNamespaceLike, kvSessionStore } from "../../src/adapters/cloudflare-kv/index.js";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { fixedClock } from "../../src/core/context.js";
import { createAuth } from "../../src/create-auth.js";
import { ConfigurationError, StorageError } from "../../src/core/errors.js";
import { definePlugin } from "../../src/core/plugins.js";
import type { SessionRecord } from "../../src/ports/session-store.js";
import type { NewUser, UserStore } from "../../src/ports/user-store.js";
import { describeStores } from "../../src/testing/index.js";
import { fastHasher, request, signUp, START } from "../helpers/harness.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const KV = (env as unknown as { KV: KVNamespaceLike }).KV;

// KV keeps its data for the whole file: every test gets its own key prefix instead.
let seq = 0;
const freshPrefix = (): string => `t${Date.now().toString(36)}-${seq++}:`;

describeStores("kv sessions (identity in memory)", async () => ({ ...memoryStores(), sessions: kvSessionStore(KV, { prefix: freshPrefix() }) }));

describeStores("kv-cached users over memory (sessions in kv)", async () => {
  const memory = memoryStores();
  const prefix = freshPrefix();
  return { ...memory, users: kvCachedUserStore(memory.users, KV, { ttlSeconds: 60, prefix }), sessions: kvSessionStore(KV, { prefix }) };
});

const HOUR = 3_600_000;

function session(id: string, userId: string, now: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    userId,
    tenantId: null,
    createdAt: new Date(now),
    expiresAt: new Date(now + 24 * HOUR),
    idleExpiresAt: new Date(now + HOUR),
    amr: ["pwd"],
    ip: null,
    userAgent: "kv-test",
    ...overrides,
  };
}

async function keysUnder(prefix: string): Promise<{ name: string; expiration?: number; metadata?: unknown }[]> {
  return (await KV.list({ prefix })).keys;
}

/** Counts KV operations (each call is one subrequest; a bulk get is one too). */
function counting(kv: KVNamespaceLike): { kv: KVNamespaceLike; calls: string[] } {
  const calls: string[] = [];
  const wrapped = {
    get: (key: string | string[], type: "json") => (calls.push(Array.isArray(key) ? `bulk-get(${key.length})` : "get"), kv.get(key as string, type)),
    put: (...args: Parameters<KVNamespaceLike["put"]>) => (calls.push("put"), kv.put(...args)),
    delete: (key: string) => (calls.push("delete"), kv.delete(key)),
    list: (options: Parameters<KVNamespaceLike["list"]>[0]) => (calls.push("list"), kv.list(options)),
  } as KVNamespaceLike;
  return { kv: wrapped, calls };
}

describe("kvSessionStore", () => {
  test("declares itself eventual", () => {
    expect(kvSessionStore(KV).consistency).toBe("eventual");
  });

  test("layout: record and user index, both expiring with the session's absolute deadline", async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const store = kvSessionStore(KV, { prefix, clock: fixedClock(now) });
    await store.create(session("sid-1", "user:1", now));

    const keys = await keysUnder(prefix);
    expect(keys.map((k) => k.name).sort()).toEqual([`${prefix}s:sid-1`, `${prefix}u:user%3A1:sid-1`]);
    const expected = Math.ceil((now + 24 * HOUR) / 1000);
    for (const key of keys) expect(Math.abs(key.expiration! - expected)).toBeLessThanOrEqual(2);
    const index = keys.find((k) => k.name.includes(":u:"))!;
    expect(index.metadata).toEqual({ createdAt: now, expiresAt: now + 24 * HOUR });
    expect(await KV.get(`${prefix}s:sid-1`, "json")).toMatchObject({ id: "sid-1", userId: "user:1", createdAt: now });
  });

  test("expiry: never under KV's 60 s floor; an already-expired record is still returned (the strategy decides)", async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const store = kvSessionStore(KV, { prefix, clock: fixedClock(now) });
    await store.create(session("soon", "u1", now, { expiresAt: new Date(now + 10_000), idleExpiresAt: new Date(now + 10_000) }));
    const expired = session("gone", "u1", now - 2 * HOUR, { expiresAt: new Date(now - HOUR), idleExpiresAt: new Date(now - HOUR) });
    await store.create(expired);

    const floor = Math.floor(now / 1000) + 60;
    for (const key of await keysUnder(prefix)) {
      expect(key.expiration).toBeGreaterThanOrEqual(floor - 1);
      expect(key.expiration).toBeLessThanOrEqual(floor + 2);
    }
    expect(await store.get("gone")).toEqual(expired);
  });

  test("touch slides idleExpiresAt in its own key and leaves the record alone", async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const store = kvSessionStore(KV, { prefix });
    await store.create(session("s1", "u1", now));
    const record = await KV.get(`${prefix}s:s1`, "json");
    await store.touch("s1", new Date(now + 2 * HOUR));
    expect(await KV.get(`${prefix}s:s1`, "json")).toEqual(record);
    expect((await store.get("s1"))?.idleExpiresAt).toEqual(new Date(now + 2 * HOUR));
    expect((await store.listByUser("u1"))[0]?.idleExpiresAt).toEqual(new Date(now + 2 * HOUR));
  });

  test("a touch from a location still caching a deleted session does not bring it back", async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const here = kvSessionStore(KV, { prefix });
    await here.create(session("s1", "u1", now));
    const cached = await KV.get(`${prefix}s:s1`, "json");
    // Another location whose edge cache still holds the record for ~60 s after the delete.
    const staleView: KVNamespaceLike = {
      ...KV,
      get: ((key: string | string[], type: "json") => (key === `${prefix}s:s1` ? Promise.resolve(cached) : KV.get(key as string, type))) as KVNamespaceLike["get"],
      put: KV.put.bind(KV),
      delete: KV.delete.bind(KV),
      list: KV.list.bind(KV),
    };
    const there = kvSessionStore(staleView, { prefix });

    await here.delete("s1");
    await there.touch("s1", new Date(now + 2 * HOUR));
    expect(await here.get("s1")).toBeNull();
    expect(await here.listByUser("u1")).toEqual([]);
  });

  test("listByUser reads the index: dangling entries are skipped, and user ids cannot collide through the prefix", async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const store = kvSessionStore(KV, { prefix });
    await store.create(session("a1", "a", now));
    await store.create(session("ab1", "a:b", now + 1));
    await store.create(session("a2", "a", now + 2));
    await KV.delete(`${prefix}s:a2`); // as if the record write had failed after the index write

    expect((await store.listByUser("a")).map((s) => s.id)).toEqual(["a1"]);
    expect((await store.listByUser("a:b")).map((s) => s.id)).toEqual(["ab1"]);
    await store.deleteByUser("a");
    expect(await store.get("ab1")).not.toBeNull();
    expect((await keysUnder(prefix)).map((k) => k.name).sort()).toEqual([`${prefix}s:ab1`, `${prefix}u:a%3Ab:ab1`]);
  });

  test("listByUser pages through the index and bulk-reads over 100 keys", async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const store = kvSessionStore(KV, { prefix });
    await Promise.all(Array.from({ length: 60 }, (_, i) => store.create(session(`s${String(i).padStart(2, "0")}`, "busy", now + i))));
    const listed = await store.listByUser("busy");
    expect(listed).toHaveLength(60);
    expect(listed.map((s) => s.id)).toEqual(Array.from({ length: 60 }, (_, i) => `s${String(i).padStart(2, "0")}`));
  });

  test("round trips: get is one KV operation (a bulk read of the record and its idle key)", async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const { kv, calls } = counting(KV);
    const store = kvSessionStore(kv, { prefix });

    await store.create(session("s1", "u1", now));
    expect(calls.splice(0)).toEqual(["get", "put", "put"]);
    await store.get("s1");
    expect(calls.splice(0)).toEqual(["bulk-get(2)"]);
    await store.get("missing");
    expect(calls.splice(0)).toEqual(["bulk-get(2)"]);
    await store.touch("s1", new Date(now + 2 * HOUR));
    expect(calls.splice(0)).toEqual(["get", "put"]);
    await store.listByUser("u1");
    expect(calls.splice(0)).toEqual(["list", "bulk-get(2)"]);
    await store.delete("s1");
    expect(calls.splice(0)).toEqual(["get", "delete", "delete", "delete"]);
  });

  test("KV failures are StorageError naming the operation, never the key", async () => {
    const broken: KVNamespaceLike = {
      get: () => Promise.reject(new Error("KV GET failed: 500 Internal Server Error")),
      put: () => Promise.reject(new Error("KV PUT failed")),
      delete: () => Promise.reject(new Error("KV DELETE failed")),
      list: () => Promise.reject(new Error("KV LIST failed")),
    } as unknown as KVNamespaceLike;
    const store = kvSessionStore(broken);
    for (const run of [() => store.get("s1"), () => store.create(session("s1", "u1", 0)), () => store.listByUser("u1"), () => store.deleteByUser("u1")]) {
      const error: unknown = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).status).toBe(503);
      expect((error as StorageError).message).toMatch(/^kv sessions\.\w+ failed$/);
    }
  });

  test("a malformed record is a StorageError, not 'no session'", async () => {
    const prefix = freshPrefix();
    await KV.put(`${prefix}s:bad`, JSON.stringify({ id: "bad" }));
    await expect(kvSessionStore(KV, { prefix }).get("bad")).rejects.toBeInstanceOf(StorageError);
  });

  test("works end to end: sign-up, authenticate, sign-out", async () => {
    const prefix = freshPrefix();
    const clock = fixedClock(START);
    const stores = { ...memoryStores(), sessions: kvSessionStore(KV, { prefix }) };
    const kvAuth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() })], clock });
    const { cookie } = await signUp(kvAuth);
    expect((await kvAuth.handle(request("/auth/session", { cookie }))).status).toBe(200);
    const signOut = await kvAuth.handle(request("/auth/sign-out", { method: "POST", cookie }));
    expect(signOut.status).toBe(204);
    expect((await kvAuth.handle(request("/auth/session", { cookie }))).status).toBe(401);
    expect(await stores.sessions.listByUser((await stores.users.findByEmail("ada@example.com"))!.id)).toEqual([]);
  });
});

describe("createAuth refuses KV where a plugin needs atomic", () => {
  test("a plugin requiring an atomic sessions store refuses kvSessionStore, naming the plugin and the store", () => {
    const stores = { ...memoryStores(), sessions: kvSessionStore(KV) };
    const limits = definePlugin({ id: "session-limits", requires: { sessions: "atomic" }, setup: () => ({}) });
    const start = (): unknown => createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), limits] });
    expect(start).toThrow(ConfigurationError);
    expect(start).toThrow(/plugin "session-limits" requires an atomic sessions store, but the configured one is eventual/);
  });

  test("a plugin requiring an atomic users store refuses the KV user cache", () => {
    const memory = memoryStores();
    const stores = { ...memory, users: kvCachedUserStore(memory.users, KV, { ttlSeconds: 300 }) };
    const plugin = definePlugin({ id: "email-change", requires: { users: "atomic" }, setup: () => ({}) });
    expect(() => createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), plugin] })).toThrow(/plugin "email-change" requires an atomic users store, but the configured one is eventual/);
  });

  test("plugins that accept any consistency take KV", () => {
    const stores = { ...memoryStores(), sessions: kvSessionStore(KV) };
    const plugin = definePlugin({ id: "session-list", requires: { sessions: "any" }, setup: () => ({}) });
    expect(() => createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), plugin] })).not.toThrow();
  });
});

describe("kvCachedUserStore", () => {
  const ada: NewUser = { id: "u1", kind: "user", email: "ada@example.com", emailVerified: false, name: "Ada", createdAt: new Date("2026-01-01T00:00:00.000Z") };

  /** The memory users store with a count of reads that reached it. */
  function countedInner(): { inner: UserStore; reads: string[] } {
    const users = memoryStores().users;
    const reads: string[] = [];
    const inner: UserStore = {
      ...users,
      consistency: users.consistency,
      create: (...args) => users.create(...args),
      update: (...args) => users.update(...args),
      delete: (...args) => users.delete(...args),
      findById: (id) => (reads.push(`id:${id}`), users.findById(id)),
      findByEmail: (email) => (reads.push(`email:${email}`), users.findByEmail(email)),
    };
    return { inner, reads };
  }

  test("declares itself eventual, even over an atomic store", () => {
    expect(kvCachedUserStore(memoryStores().users, KV, { ttlSeconds: 60 }).consistency).toBe("eventual");
  });

  test("ttlSeconds under KV's 60 s floor is a ConfigurationError", () => {
    expect(() => kvCachedUserStore(memoryStores().users, KV, { ttlSeconds: 30 })).toThrow(ConfigurationError);
    expect(() => kvCachedUserStore(memoryStores().users, KV, { ttlSeconds: 90.5 })).toThrow(ConfigurationError);
  });

  test("finders read through: the second read is served from KV", async () => {
    const { inner, reads } = countedInner();
    const users = kvCachedUserStore(inner, KV, { ttlSeconds: 120, prefix: freshPrefix() });
    const created = await users.create(ada, []);
    expect(await users.findById("u1")).toEqual(created);
    expect(await users.findById("u1")).toEqual(created);
    expect(await users.findByEmail("ada@example.com")).toEqual(created);
    expect(await users.findByEmail("ada@example.com")).toEqual(created);
    expect(reads).toEqual(["id:u1", "email:ada@example.com"]);
  });

  test("misses are not cached: a user created after a miss is found at once", async () => {
    const { inner, reads } = countedInner();
    const users = kvCachedUserStore(inner, KV, { ttlSeconds: 120, prefix: freshPrefix() });
    expect(await users.findByEmail("ada@example.com")).toBeNull();
    await users.create(ada, []);
    expect((await users.findByEmail("ada@example.com"))?.id).toBe("u1");
    expect(reads).toEqual(["email:ada@example.com", "email:ada@example.com"]);
  });

  test("update and delete invalidate the id key and both the old and new email keys", async () => {
    const users = kvCachedUserStore(memoryStores().users, KV, { ttlSeconds: 120, prefix: freshPrefix() });
    await users.create(ada, []);
    await users.findById("u1");
    await users.findByEmail("ada@example.com");

    const updated = await users.update("u1", { email: "ada@new.example", emailVerified: true, updatedAt: new Date("2026-02-01T00:00:00.000Z") });
    expect(await users.findById("u1")).toEqual(updated);
    expect(await users.findByEmail("ada@example.com")).toBeNull();
    expect(await users.findByEmail("ada@new.example")).toEqual(updated);

    await users.delete("u1");
    expect(await users.findById("u1")).toBeNull();
    expect(await users.findByEmail("ada@new.example")).toBeNull();
  });

  test("email keys are hashed: no address appears in KV key names", async () => {
    const prefix = freshPrefix();
    const users = kvCachedUserStore(memoryStores().users, KV, { ttlSeconds: 120, prefix });
    await users.create(ada, []);
    await users.findByEmail("ada@example.com");
    const names = (await keysUnder(prefix)).map((k) => k.name);
    expect(names).toHaveLength(1);
    expect(names[0]).not.toContain("ada");
  });

  test("a KV outage on reads falls through to the inner store; on invalidation it is a StorageError", async () => {
    const memory = memoryStores().users;
    const broken = {
      get: () => Promise.reject(new Error("KV down")),
      put: () => Promise.reject(new Error("KV down")),
      delete: () => Promise.reject(new Error("KV down")),
      list: () => Promise.reject(new Error("KV down")),
    } as unknown as KVNamespaceLike;
    const users = kvCachedUserStore(memory, KV, { ttlSeconds: 60 });
    const down = kvCachedUserStore(memory, broken, { ttlSeconds: 60 });
    await users.create(ada, []);
    expect((await down.findById("u1"))?.email).toBe("ada@example.com");
    await expect(down.update("u1", { name: "A", updatedAt: new Date() })).rejects.toBeInstanceOf(StorageError);
  });
});
