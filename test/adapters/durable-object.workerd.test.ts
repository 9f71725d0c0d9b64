/**
 * Durable Object stores against real Durable Objects in workerd (SQLite-backed,
 * bound in vitest.config.ts, class exported from test/workers/store-worker.ts).
 * Time is real here: a Durable Object runs on its own clock, so `advance` waits.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import {
  doCounterStore,
  doSessionStore,
  doSingleUseStore,
  type PortcullisStoreNamespace,
  type PortcullisStoreRPC,
  SESSION_RETENTION_MS,
  sweepStorage,
} from "../../src/adapters/durable-object/index.js";
import type { DurableObjectStateLike } from "../../src/adapters/durable-object/index.js";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { fixedClock } from "../../src/core/context.js";
import { createAuth } from "../../src/create-auth.js";
import { StorageError } from "../../src/core/errors.js";
import { definePlugin } from "../../src/core/plugins.js";
import type { SessionRecord } from "../../src/ports/session-store.js";
import { describeAtomicStores } from "../../src/testing/index.js";
import { describeStores } from "../../src/testing/index.js";
import { fastHasher, request, signUp, START } from "../helpers/harness.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const NS = (env as unknown as { PORTCULLIS: PortcullisStoreNamespace }).PORTCULLIS;

// Durable Object state outlives a test: every test routes to fresh objects through its own prefix.
let seq = 0;
const freshPrefix = (): string => `t${Date.now().toString(36)}-${seq++}:`;

describeStores("durable-object sessions (identity in memory)", async () => ({ ...memoryStores(), sessions: doSessionStore(NS, { prefix: freshPrefix() }) }));

describeAtomicStores("durable-object", async () => {
  const prefix = freshPrefix();
  return {
    counters: doCounterStore(NS, { prefix }),
    singleUse: doSingleUseStore(NS, { prefix }),
    advance: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  };
});

const HOUR = 3_600_000;

function session(id: string, userId: string, createdAt: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    userId,
    tenantId: null,
    createdAt: new Date(createdAt),
    expiresAt: new Date(createdAt + 24 * HOUR),
    idleExpiresAt: new Date(createdAt + HOUR),
    amr: ["pwd"],
    ip: "198.51.100.4",
    userAgent: "do-test",
    ...overrides,
  };
}

/** The real stub behind an object name, for the cloudflare:test helpers. */
function stubFor(name: string): Parameters<typeof runInDurableObject>[0] {
  return NS.get(NS.idFromName(name)) as unknown as Parameters<typeof runInDurableObject>[0];
}

async function storedKeys(name: string): Promise<string[]> {
  return runInDurableObject(stubFor(name), async (_instance, state) => [...(await (state as unknown as DurableObjectStateLike).storage.list()).keys()]);
}

/** Counts DO calls: every method called on a stub is one round trip to an object. */
function counting(namespace: PortcullisStoreNamespace): { namespace: PortcullisStoreNamespace; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    namespace: {
      idFromName: (name: string) => namespace.idFromName(name),
      get(id: unknown): PortcullisStoreRPC {
        const stub = namespace.get(id) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
        return new Proxy({} as PortcullisStoreRPC, {
          get: (_target, method: string) => (...args: unknown[]) => (calls.push(method), stub[method]!(...args)),
        });
      },
    },
  };
}

describe("doSessionStore: session limits (createWithLimit)", () => {
  test("at the limit, the oldest live session is evicted, atomically with the insert", async () => {
    const store = doSessionStore(NS, { prefix: freshPrefix() });
    const now = Date.now();
    for (const n of [1, 2, 3]) expect(await store.createWithLimit(session(`s${n}`, "u1", now + n), 3)).toEqual({ created: true, evicted: [] });
    expect(await store.createWithLimit(session("s4", "u1", now + 4), 3)).toEqual({ created: true, evicted: ["s1"] });
    expect(await store.get("s1")).toBeNull();
    expect((await store.listByUser("u1")).map((s) => s.id)).toEqual(["s2", "s3", "s4"]);
    // Lowering the limit evicts as many as needed.
    expect(await store.createWithLimit(session("s5", "u1", now + 5), 2)).toEqual({ created: true, evicted: ["s2", "s3"] });
    expect((await store.listByUser("u1")).map((s) => s.id)).toEqual(["s4", "s5"]);
  });

  test("'refuse' creates nothing at the limit", async () => {
    const store = doSessionStore(NS, { prefix: freshPrefix() });
    const now = Date.now();
    await store.createWithLimit(session("s1", "u1", now), 1, { onLimit: "refuse" });
    expect(await store.createWithLimit(session("s2", "u1", now + 1), 1, { onLimit: "refuse" })).toEqual({ created: false, reason: "limit_reached" });
    expect(await store.get("s2")).toBeNull();
    expect((await store.listByUser("u1")).map((s) => s.id)).toEqual(["s1"]);
    // Other users are unaffected.
    expect(await store.createWithLimit(session("s3", "u2", now), 1, { onLimit: "refuse" })).toEqual({ created: true, evicted: [] });
  });

  test("expired sessions do not count against the limit", async () => {
    const store = doSessionStore(NS, { prefix: freshPrefix() });
    const now = Date.now();
    await store.create(session("idle", "u1", now - 2 * HOUR)); // idle deadline passed an hour ago
    await store.create(session("ended", "u1", now - 2 * HOUR, { expiresAt: new Date(now - 1000) }));
    expect(await store.createWithLimit(session("fresh", "u1", now), 1)).toEqual({ created: true, evicted: [] });
  });

  test("V15.4.2: 20 concurrent sign-ins against a limit of 5 leave exactly 5 sessions", async () => {
    const store = doSessionStore(NS, { prefix: freshPrefix() });
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createWithLimit(session(`s${i}`, "u1", now + i), 5)));
    expect(results.every((r) => r.created)).toBe(true);
    const evicted = results.flatMap((r) => (r.created ? r.evicted : []));
    expect(evicted).toHaveLength(15);
    expect(new Set(evicted).size).toBe(15);
    const live = await store.listByUser("u1");
    expect(live).toHaveLength(5);
    for (const s of live) expect(evicted).not.toContain(s.id);
  });

  test("V15.4.2: 20 concurrent sign-ins with 'refuse' and a limit of 5: exactly 5 created", async () => {
    const store = doSessionStore(NS, { prefix: freshPrefix() });
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createWithLimit(session(`s${i}`, "u1", now + i), 5, { onLimit: "refuse" })));
    expect(results.filter((r) => r.created)).toHaveLength(5);
    expect(await store.listByUser("u1")).toHaveLength(5);
  });

  test("a limit under 1 is refused before any call", async () => {
    const { namespace, calls } = counting(NS);
    const store = doSessionStore(namespace, { prefix: freshPrefix() });
    await expect(store.createWithLimit(session("s1", "u1", Date.now()), 0)).rejects.toBeInstanceOf(RangeError);
    expect(calls).toEqual([]);
  });
});

describe("doSessionStore: routing and round trips", () => {
  test("get is one DO call with the owner remembered, two without", async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const { namespace, calls } = counting(NS);
    const store = doSessionStore(namespace, { prefix });

    await store.create(session("s1", "u1", now));
    expect(calls.splice(0)).toEqual(["ownerClaim", "sessionsCreate"]);
    await store.get("s1");
    expect(calls.splice(0)).toEqual(["sessionsGet"]);
    await store.touch("s1", new Date(now + 2 * HOUR));
    expect(calls.splice(0)).toEqual(["sessionsTouch"]);
    await store.listByUser("u1");
    expect(calls.splice(0)).toEqual(["sessionsList"]);

    // Another isolate (a fresh store object) has not seen the pointer yet.
    const cold = doSessionStore(namespace, { prefix });
    expect((await cold.get("s1"))?.idleExpiresAt).toEqual(new Date(now + 2 * HOUR));
    expect(calls.splice(0)).toEqual(["ownerGet", "sessionsGet"]);
    await cold.get("s1");
    expect(calls.splice(0)).toEqual(["sessionsGet"]);
    expect(await cold.get("unknown")).toBeNull();
    expect(calls.splice(0)).toEqual(["ownerGet"]);

    const uncached = doSessionStore(namespace, { prefix, ownerCacheSize: 0 });
    await uncached.get("s1");
    await uncached.get("s1");
    expect(calls.splice(0)).toEqual(["ownerGet", "sessionsGet", "ownerGet", "sessionsGet"]);

    await store.deleteByUser("u1");
    expect(calls.splice(0)).toEqual(["sessionsDeleteAll"]);
  });

  test("a revocation through one store object is seen at once through every other", async () => {
    const prefix = freshPrefix();
    const a = doSessionStore(NS, { prefix });
    const b = doSessionStore(NS, { prefix });
    const now = Date.now();
    await a.create(session("s1", "u1", now));
    await a.create(session("s2", "u1", now + 1));
    expect(await b.get("s1")).not.toBeNull();
    await a.delete("s1");
    expect(await b.get("s1")).toBeNull();
    expect(await b.get("s2")).not.toBeNull();
    await a.deleteByUser("u1");
    expect(await b.get("s2")).toBeNull();
  });

  test("a remembered owner that went stale (id re-issued to another user) falls back to the pointer", async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const here = doSessionStore(NS, { prefix });
    await here.create(session("s1", "u1", now, { expiresAt: new Date(now + 1000), idleExpiresAt: new Date(now + 1000) }));
    expect((await here.get("s1"))?.userId).toBe("u1");

    // Much later the alarms have collected the dead session and its pointer ...
    const later = now + 1000 + SESSION_RETENTION_MS + 1;
    for (const name of [`${prefix}session:s1`, `${prefix}user-sessions:u1`]) {
      await runInDurableObject(stubFor(name), (_instance, state) => sweepStorage((state as unknown as DurableObjectStateLike).storage, later));
      expect(await storedKeys(name)).toEqual([]);
    }
    // ... and elsewhere the same id is issued to another user.
    const there = doSessionStore(NS, { prefix });
    await there.create(session("s1", "u2", now));
    expect((await here.get("s1"))?.userId).toBe("u2");
    await here.delete("s1");
    expect(await there.get("s1")).toBeNull();
  });

  test("another user's live pointer blocks the id", async () => {
    const store = doSessionStore(NS, { prefix: freshPrefix() });
    const now = Date.now();
    await store.create(session("s1", "u1", now));
    await store.delete("s1");
    const error: unknown = await store.create(session("s1", "u2", now)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toBe("durable-object sessions.create failed");
    expect(await store.listByUser("u2")).toEqual([]);
  });

  test("works end to end behind createAuth, including for plugins that need atomic sessions", async () => {
    const clock = fixedClock(START);
    const stores = { ...memoryStores(), sessions: doSessionStore(NS, { prefix: freshPrefix() }) };
    const needsAtomic = definePlugin({ id: "session-limits", requires: { sessions: "atomic" }, setup: () => ({}) });
    const auth = createAuth({ stores, clock, plugins: [emailPassword({ hasher: fastHasher() }), needsAtomic] });
    const { cookie } = await signUp(auth);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(200);
    expect((await auth.handle(request("/auth/sign-out", { method: "POST", cookie }))).status).toBe(204);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(401);
  });
});

describe("durable-object: failures and cleanup", () => {
  test("a Durable Object that throws becomes a StorageError with the cause kept", async () => {
    const counters = doCounterStore(NS, { prefix: freshPrefix() });
    const error: unknown = await counters.increment("k", 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).status).toBe(503);
    expect((error as StorageError).message).toBe("durable-object counters.increment failed");
    expect(String((error as StorageError).cause)).toMatch(/windowSeconds must be a positive number/);
  });

  test("an unreachable namespace fails closed on every store", async () => {
    const down: PortcullisStoreNamespace = {
      idFromName: (name: string) => name,
      get: () =>
        new Proxy({} as PortcullisStoreRPC, {
          get: () => () => Promise.reject(new Error("Durable Object reset because its code was updated.")),
        }),
    };
    const sessions = doSessionStore(down);
    const runs = [
      () => sessions.get("s1"),
      () => sessions.create(session("s1", "u1", 0)),
      () => sessions.listByUser("u1"),
      () => doCounterStore(down).increment("k", 60),
      () => doSingleUseStore(down).consume("k"),
    ];
    for (const run of runs) await expect(run()).rejects.toBeInstanceOf(StorageError);
  });

  test("a counter's alarm deletes it when its window ends", async () => {
    const prefix = freshPrefix();
    const counters = doCounterStore(NS, { prefix });
    await counters.increment("k", 1);
    const name = `${prefix}counter:k`;
    expect(await storedKeys(name)).toEqual(["counter"]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runDurableObjectAlarm(stubFor(name)); // false when workerd already ran it: either way it is gone
    expect(await storedKeys(name)).toEqual([]);
    expect(await counters.get("k")).toBe(0);
  });

  test("the sessions sweep collects only what expired longer than the retention ago, then re-arms the alarm", async () => {
    const prefix = freshPrefix();
    const store = doSessionStore(NS, { prefix });
    const now = Date.now();
    await store.create(session("old", "u1", now - 48 * HOUR)); // ended 24 h ago
    await store.create(session("live", "u1", now));
    const name = `${prefix}user-sessions:u1`;
    // Right after the write even the long-dead one stays: `get` returns expired records.
    await runInDurableObject(stubFor(name), (_i, state) => sweepStorage((state as unknown as DurableObjectStateLike).storage, Date.now()));
    expect(await storedKeys(name)).toEqual(["s:live", "s:old"]);

    const alarm = await runInDurableObject(stubFor(name), async (_i, state) => {
      const storage = (state as unknown as DurableObjectStateLike).storage;
      await sweepStorage(storage, now + SESSION_RETENTION_MS + 1000);
      return storage.getAlarm();
    });
    expect(await storedKeys(name)).toEqual(["s:live"]);
    expect(alarm).toBe(now + HOUR + SESSION_RETENTION_MS); // the live session's idle deadline + retention
    expect((await store.listByUser("u1")).map((s) => s.id)).toEqual(["live"]);
  });
});
