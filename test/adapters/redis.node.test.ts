/**
 * The TCP Redis adapter against the real local Redis (REDIS_URL), under a per-run key
 * prefix that is deleted at the end. Skipped with a message when Redis is down (failed under CI).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createRedisClient, redisExecutor, redisStores, type RedisClient } from "../../src/adapters/redis/index.js";
import { StorageError } from "../../src/core/errors.js";
import { describeAtomicStores } from "../../src/testing/index.js";
import { REDIS_URL, serviceAvailable } from "../helpers/services.js";
import { describeRedisBehaviour } from "./redis-behaviour-suite.js";
import { closedPort, deleteByPrefix, keysUnder, opensslAvailable, silentTcpServer, sleep, testPrefix, timedRejection, tlsProxy } from "./redis-kit.js";
import { describeSessionStore } from "../../src/testing/index.js";

const up = await serviceAvailable("Redis", REDIS_URL);

describe.skipIf(!up)("redis (TCP)", () => {
  const runPrefix = testPrefix();
  let client: RedisClient;
  let raw: RedisClient;
  let roundTrips = 0;
  let seq = 0;
  // Counts what the stores send: every command is one round trip on the connection.
  const counted = { send: (args: readonly string[]): Promise<unknown> => (roundTrips++, client.send(args)) };

  beforeAll(() => {
    client = createRedisClient(REDIS_URL);
    raw = createRedisClient(REDIS_URL);
  });
  afterAll(async () => {
    await deleteByPrefix(raw, runPrefix);
    expect(await keysUnder(raw, runPrefix)).toEqual([]);
    await client.close();
    await raw.close();
  });

  describeSessionStore("redis", async () => redisStores(counted, { prefix: `${runPrefix}${seq++}:` }).sessions);

  describeAtomicStores("redis", async () => {
    const { counters, singleUse } = redisStores(counted, { prefix: runPrefix });
    // Redis expires keys on its own clock: time has to pass for real.
    return { counters, singleUse, advance: sleep };
  });

  describeRedisBehaviour("redis", () => ({
    label: "redis",
    executor: redisExecutor(counted),
    raw,
    roundTrips: () => roundTrips,
    runPrefix,
  }));

  describe("client", () => {
    test("pipelines: concurrent commands share one connection and all get their own reply", async () => {
      const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => client.send(["ECHO", `m${i}`])));
      expect(replies).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
      const clients = String(await raw.send(["CLIENT", "LIST"])).trim().split("\n");
      expect(clients.length).toBeGreaterThanOrEqual(2);
    });

    test("a dropped connection is replaced by the next command", async () => {
      const stores = redisStores(client, { prefix: `${runPrefix}reconnect:` });
      await stores.counters.increment("k", 60);
      const id = String(await client.send(["CLIENT", "ID"]));
      await raw.send(["CLIENT", "KILL", "ID", id]);
      await sleep(50);
      expect(await stores.counters.increment("k", 60)).toBe(2);
      expect(String(await client.send(["CLIENT", "ID"]))).not.toBe(id);
    });

    test("the database in the URL is selected before any command runs", async () => {
      const db3 = createRedisClient(`${REDIS_URL}/3`);
      const raw3 = createRedisClient(`${REDIS_URL}/3`);
      const key = `${runPrefix}db3`;
      try {
        await redisStores(db3, { prefix: key }).singleUse.put("", "v", 60);
        expect(await raw3.send(["EXISTS", `${key}v:`])).toBe(1);
        expect(await raw.send(["EXISTS", `${key}v:`])).toBe(0);
      } finally {
        await raw3.send(["DEL", `${key}v:`]);
        await db3.close();
        await raw3.close();
      }
    });

    test("a refused SELECT fails every command and writes nothing to database 0", async () => {
      const bad = createRedisClient(`${REDIS_URL}/99`);
      const stores = redisStores(bad, { prefix: `${runPrefix}baddb:` });
      await expect(stores.singleUse.put("k", "v", 60)).rejects.toBeInstanceOf(StorageError);
      expect(await raw.send(["EXISTS", `${runPrefix}baddb:v:k`])).toBe(0);
      await bad.close();
    });

    test("a refused AUTH is a StorageError that does not carry the password", async () => {
      const url = new URL(REDIS_URL);
      url.username = "nobody";
      url.password = "hunter2-secret";
      const bad = createRedisClient(url.toString());
      const error: unknown = await redisStores(bad).sessions.get("x").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(JSON.stringify({ m: (error as Error).message, c: String((error as Error).cause) })).not.toContain("hunter2");
      await bad.close();
    });

    test.skipIf(!opensslAvailable())("rediss:// speaks TLS (through a TLS proxy in front of the local Redis)", async () => {
      const proxy = await tlsProxy(REDIS_URL);
      const secure = createRedisClient(`rediss://127.0.0.1:${proxy.port}`, { tls: { ca: proxy.cert, servername: "localhost" } });
      try {
        const stores = redisStores(secure, { prefix: `${runPrefix}tls:` });
        await stores.singleUse.put("k", "over tls", 60);
        expect(await stores.singleUse.consume("k")).toBe("over tls");
        expect(proxy.handshakes()).toBe(1);
        // An unknown CA is refused: the certificate is checked, not just accepted.
        const untrusted = createRedisClient(`rediss://127.0.0.1:${proxy.port}`, { tls: { servername: "localhost" } });
        await expect(redisStores(untrusted).counters.get("k")).rejects.toBeInstanceOf(StorageError);
        await untrusted.close();
      } finally {
        await secure.close();
        await proxy.close();
      }
    });

    test("closed clients refuse new commands", async () => {
      const c = createRedisClient(REDIS_URL);
      expect(await c.send(["PING"])).toBe("PONG");
      await c.close();
      await expect(c.send(["PING"])).rejects.toThrow(/closed/);
      await expect(redisStores(c).counters.get("k")).rejects.toBeInstanceOf(StorageError);
    });
  });

  describe("faults", () => {
    test("a closed port fails at once with StorageError", async () => {
      const dead = createRedisClient(`redis://127.0.0.1:${await closedPort()}`);
      const { error, ms } = await timedRejection(() => redisStores(dead).sessions.get("x"));
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toBe("redis sessions.get failed");
      expect(ms).toBeLessThan(1000);
      await dead.close();
    });

    test("a server that never answers fails within the default 3 s command timeout", async () => {
      const silent = await silentTcpServer();
      const hung = createRedisClient(`redis://127.0.0.1:${silent.port}`);
      try {
        const stores = redisStores(hung);
        const [a, b] = await Promise.all([timedRejection(() => stores.counters.increment("k", 60)), timedRejection(() => stores.sessions.get("x"))]);
        for (const { error, ms } of [a, b]) {
          expect(error).toBeInstanceOf(StorageError);
          expect(ms).toBeGreaterThan(2_500);
          expect(ms).toBeLessThan(4_000);
        }
      } finally {
        await hung.close();
        await silent.close();
      }
    });

    test("a TLS handshake that never completes fails within the connect timeout", async () => {
      const silent = await silentTcpServer();
      const hung = createRedisClient(`rediss://127.0.0.1:${silent.port}`, { connectTimeoutMs: 500, commandTimeoutMs: 5_000 });
      try {
        const { error, ms } = await timedRejection(() => redisStores(hung).singleUse.consume("k"));
        expect(error).toBeInstanceOf(StorageError);
        expect(String((error as Error).cause)).toMatch(/no connection within 500 ms/);
        expect(ms).toBeLessThan(1_500);
      } finally {
        await hung.close();
        await silent.close();
      }
    });
  });
});
