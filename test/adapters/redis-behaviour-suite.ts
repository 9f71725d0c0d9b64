/**
 * What the Redis-backed stores promise beyond the port contracts, run for every transport
 * (TCP, Upstash REST): the key layout, TTLs as garbage collection, index clean-up, exact
 * string round trips, one round trip per call, and errors that name the operation only.
 * Keys are inspected with a raw TCP client on the same Redis.
 */
import { describe, expect, test } from "vitest";
import type { RedisClient } from "../../src/adapters/redis/client.js";
import { luaScript, runScript, type RedisExecutor } from "../../src/adapters/redis-shared/executor.js";
import { createRedisStores, type RedisStoreOptions, type RedisStores } from "../../src/adapters/redis-shared/stores.js";
import { fixedClock } from "../../src/core/context.js";
import { StorageError } from "../../src/core/errors.js";
import type { SessionRecord } from "../../src/ports/session-store.js";
import { sleep } from "./redis-kit.js";

export interface RedisBehaviourFixture {
  /** "redis" | "upstash": the first word of error messages. */
  label: string;
  /** The transport the stores use, counted by `roundTrips`. */
  executor: RedisExecutor;
  /** A TCP client on the same Redis, to look at keys. */
  raw: RedisClient;
  /** Round trips made through `executor` so far (commands or HTTP requests). */
  roundTrips(): number;
  /** The run's prefix: test prefixes start with it so the run's cleanup finds them. */
  runPrefix: string;
}

const DAY = 86_400_000;

function record(id: string, userId: string, expiresAt: Date, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return { id, userId, tenantId: null, createdAt: new Date(Date.now() - 1000), expiresAt, idleExpiresAt: new Date(Math.min(expiresAt.getTime(), Date.now() + DAY)), amr: ["pwd"], ip: "198.51.100.4", userAgent: "behaviour/1.0", ...overrides };
}

export function describeRedisBehaviour(name: string, fixture: () => RedisBehaviourFixture): void {
  describe(`Redis-backed stores: ${name}`, () => {
    let seq = 0;
    function setup(options?: RedisStoreOptions): { stores: RedisStores; prefix: string; raw: RedisClient; f: RedisBehaviourFixture } {
      const f = fixture();
      const prefix = `${f.runPrefix}b${seq++}:`;
      return { stores: createRedisStores(f.executor, { ...options, prefix }), prefix, raw: f.raw, f };
    }
    const pttl = async (raw: RedisClient, key: string): Promise<number> => (await raw.send(["PTTL", key])) as number;

    test("key layout: a hash per session, a set per user, both expiring after the absolute expiry plus the grace", async () => {
      const { stores, prefix, raw } = setup({ sessionGraceSeconds: 60 });
      const expiresAt = new Date(Date.now() + 600_000);
      await stores.sessions.create(record("sid-1", "user:1", expiresAt, { ip: null }));
      const hash = (await raw.send(["HGETALL", `${prefix}s:sid-1`])) as string[];
      const fields = Object.fromEntries(Array.from({ length: hash.length / 2 }, (_, i) => [hash[2 * i], hash[2 * i + 1]]));
      expect(fields).toEqual({
        userId: "user:1",
        createdAt: expect.stringMatching(/^\d{13}$/),
        expiresAt: String(expiresAt.getTime()),
        idleExpiresAt: expect.stringMatching(/^\d{13}$/),
        amr: '["pwd"]',
        userAgent: "behaviour/1.0",
      });
      expect(await raw.send(["SMEMBERS", `${prefix}u:user:1`])).toEqual(["sid-1"]);
      const sessionTtl = await pttl(raw, `${prefix}s:sid-1`);
      expect(sessionTtl).toBeGreaterThan(660_000 - 5_000);
      expect(sessionTtl).toBeLessThanOrEqual(660_000);
      expect(await pttl(raw, `${prefix}u:user:1`)).toBeGreaterThanOrEqual(sessionTtl - 1_000);
    });

    test("an already expired session is kept for the grace period, then Redis drops it", async () => {
      const { stores, prefix, raw } = setup({ sessionGraceSeconds: 1 });
      const expired = record("old", "u1", new Date(1000));
      await stores.sessions.create(expired);
      expect(await stores.sessions.get("old")).toEqual(expired);
      expect(await pttl(raw, `${prefix}s:old`)).toBeLessThanOrEqual(1000);
      await sleep(1300);
      expect(await stores.sessions.get("old")).toBeNull();
      expect(await raw.send(["EXISTS", `${prefix}u:u1`])).toBe(0);
    });

    test("the TTL is measured from the injected clock", async () => {
      const { stores, prefix, raw } = setup({ sessionGraceSeconds: 60, clock: fixedClock("2026-03-04T05:06:07.089Z") });
      await stores.sessions.create(record("frozen", "u1", new Date(Date.parse("2026-03-04T05:06:07.089Z") + 600_000)));
      expect(await pttl(raw, `${prefix}s:frozen`)).toBeGreaterThan(650_000);
    });

    test("the user index lives as long as the user's longest session", async () => {
      const { stores, prefix, raw } = setup({ sessionGraceSeconds: 1 });
      await stores.sessions.create(record("long", "u1", new Date(Date.now() + 20 * DAY)));
      await stores.sessions.create(record("short", "u1", new Date(Date.now() + 60_000)));
      expect(await pttl(raw, `${prefix}u:u1`)).toBeGreaterThan(19 * DAY);
    });

    test("touch keeps the TTL, and never brings back a deleted session", async () => {
      const { stores, prefix, raw } = setup();
      await stores.sessions.create(record("s1", "u1", new Date(Date.now() + DAY)));
      const before = await pttl(raw, `${prefix}s:s1`);
      const idle = new Date(Date.now() + 3_600_000);
      await stores.sessions.touch("s1", idle);
      expect((await stores.sessions.get("s1"))?.idleExpiresAt).toEqual(idle);
      expect(Math.abs(before - (await pttl(raw, `${prefix}s:s1`)))).toBeLessThan(2_000);

      await stores.sessions.delete("s1");
      await stores.sessions.touch("s1", idle);
      expect(await raw.send(["EXISTS", `${prefix}s:s1`])).toBe(0);
      expect(await raw.send(["EXISTS", `${prefix}u:u1`])).toBe(0);
    });

    test("listByUser drops index entries of sessions Redis has expired", async () => {
      const { stores, prefix, raw } = setup();
      await stores.sessions.create(record("gone", "u1", new Date(Date.now() + DAY)));
      await stores.sessions.create(record("kept", "u1", new Date(Date.now() + DAY)));
      await raw.send(["PEXPIRE", `${prefix}s:gone`, "1"]);
      await sleep(20);
      expect((await stores.sessions.listByUser("u1")).map((s) => s.id)).toEqual(["kept"]);
      expect(await raw.send(["SMEMBERS", `${prefix}u:u1`])).toEqual(["kept"]);
    });

    test("an id reused by another user after expiry belongs to the new owner only", async () => {
      const { stores, prefix, raw } = setup();
      await stores.sessions.create(record("a", "u1", new Date(Date.now() + DAY)));
      await raw.send(["DEL", `${prefix}s:a`]); // expired by TTL; u1's index still names it
      await stores.sessions.create(record("a", "u2", new Date(Date.now() + DAY)));
      expect(await stores.sessions.listByUser("u1")).toEqual([]);
      await stores.sessions.deleteByUser("u1");
      expect((await stores.sessions.get("a"))?.userId).toBe("u2");
      expect((await stores.sessions.listByUser("u2")).map((s) => s.id)).toEqual(["a"]);
    });

    test("strings round-trip exactly: empty, unicode, and ones that look like JSON", async () => {
      const { stores } = setup();
      const odd = record("s:1/é", "user id 🚀", new Date(Date.now() + DAY), { amr: [], ip: "", userAgent: 'Mozilla/5.0 "quoted" ü\n' });
      await stores.sessions.create(odd);
      expect(await stores.sessions.get("s:1/é")).toEqual(odd);
      expect(await stores.sessions.listByUser("user id 🚀")).toEqual([odd]);
      for (const value of ["123", "null", "true", '{"a":1}', "[1,2]", "", "  7  ", "🚀 T0s="]) {
        await stores.singleUse.put("k", value, 60);
        expect(await stores.singleUse.consume("k")).toBe(value);
      }
    });

    test("a counter's TTL is its window, set once", async () => {
      const { stores, prefix, raw } = setup();
      await stores.counters.increment("k", 60);
      await sleep(50);
      await stores.counters.increment("k", 60);
      const ttl = await pttl(raw, `${prefix}c:k`);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000 - 30);
    });

    test("one round trip per store call once the scripts are cached", async () => {
      const { stores, f } = setup();
      const s = record("rt", "u1", new Date(Date.now() + DAY));
      const measure = async (call: () => Promise<unknown>): Promise<number> => {
        const before = f.roundTrips();
        await call();
        return f.roundTrips() - before;
      };
      const run = async (): Promise<Record<string, number>> => ({
        "sessions.create": await measure(() => stores.sessions.create(s)),
        "sessions.get": await measure(() => stores.sessions.get("rt")),
        "sessions.touch": await measure(() => stores.sessions.touch("rt", new Date())),
        "sessions.listByUser": await measure(() => stores.sessions.listByUser("u1")),
        "sessions.delete": await measure(() => stores.sessions.delete("rt")),
        "sessions.deleteByUser": await measure(() => stores.sessions.deleteByUser("u1")),
        "counters.increment": await measure(() => stores.counters.increment("c", 60)),
        "counters.get": await measure(() => stores.counters.get("c")),
        "counters.reset": await measure(() => stores.counters.reset("c")),
        "singleUse.put": await measure(() => stores.singleUse.put("v", "x", 60)),
        "singleUse.consume": await measure(() => stores.singleUse.consume("v")),
        "singleUse.claim": await measure(() => stores.singleUse.claim("m", 60)),
      });
      await run(); // warm-up: every script reaches the server's cache (EVAL after NOSCRIPT at most once)
      const measured = await run();
      expect(Object.values(measured).every((n) => n === 1), JSON.stringify(measured)).toBe(true);
      expect(Object.keys(measured)).toHaveLength(12);
    });

    test("a script the server has not cached costs one extra round trip (NOSCRIPT, then EVAL), once", async () => {
      // A script no one has run (rather than SCRIPT FLUSH, which would disturb suites running in parallel).
      const { f } = setup();
      const marker = crypto.randomUUID();
      const script = luaScript(`return ARGV[1] .. '${marker}'`);
      let before = f.roundTrips();
      expect(await runScript(f.executor, script, [], ["x"])).toBe(`x${marker}`);
      expect(f.roundTrips() - before).toBe(2);
      before = f.roundTrips();
      expect(await runScript(f.executor, script, [], ["y"])).toBe(`y${marker}`);
      expect(f.roundTrips() - before).toBe(1);
    });

    test("a server error is a StorageError naming the operation, never the key or a value", async () => {
      const { stores, prefix, raw, f } = setup();
      await raw.send(["SET", `${prefix}s:secret-session-id`, "a string, not a hash"]);
      const error: unknown = await stores.sessions.get("secret-session-id").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toBe(`${f.label} sessions.get failed`);
      expect(String((error as Error).cause)).toMatch(/WRONGTYPE/);

      await raw.send(["SET", `${prefix}c:secret-counter`, "secret-value"]);
      const scripted: unknown = await stores.counters.increment("secret-counter", 60).catch((e: unknown) => e);
      expect(scripted).toBeInstanceOf(StorageError);
      expect((scripted as StorageError).message).toBe(`${f.label} counters.increment failed`);
      for (const e of [error, scripted] as Error[]) {
        const text = `${e.message} ${String(e.cause)} ${(e.cause as Error).message}`;
        expect(text).not.toMatch(/secret/);
      }
    });

    test("a TTL that is not a positive number fails as StorageError without reaching Redis", async () => {
      const { stores, f } = setup();
      const before = f.roundTrips();
      await expect(stores.singleUse.put("k", "v", 0)).rejects.toBeInstanceOf(StorageError);
      await expect(stores.counters.increment("k", Number.NaN)).rejects.toBeInstanceOf(StorageError);
      await expect(stores.singleUse.claim("k", -1)).rejects.toBeInstanceOf(StorageError);
      expect(f.roundTrips()).toBe(before);
    });
  });
}

