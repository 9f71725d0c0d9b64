/**
 * The Upstash adapter through the real @upstash/redis client, against a local stand-in for
 * Upstash's REST API (test/helpers/upstash-server.ts) that runs every command on the real
 * local Redis. Per-run key prefix, deleted at the end.
 */
import { Redis } from "@upstash/redis";
import { Redis as CloudflareRedis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createRedisClient, type RedisClient } from "../../src/adapters/redis/client.js";
import { upstashExecutor, upstashStores } from "../../src/adapters/upstash/index.js";
import { ConfigurationError, StorageError } from "../../src/core/errors.js";
import { describeAtomicStores } from "../../src/testing/index.js";
import { REDIS_URL, serviceAvailable } from "../helpers/services.js";
import { startUpstashServer, type UpstashTestServer } from "../helpers/upstash-server.js";
import { describeRedisBehaviour } from "./redis-behaviour-suite.js";
import { closedPort, deleteByPrefix, keysUnder, silentHttpServer, sleep, testPrefix, timedRejection } from "./redis-kit.js";
import { describeSessionStore } from "../../src/testing/index.js";

const up = await serviceAvailable("Redis", REDIS_URL);

describe.skipIf(!up)("upstash (REST)", () => {
  const runPrefix = testPrefix();
  const token = `test-token-${crypto.randomUUID()}`;
  let server: UpstashTestServer;
  let raw: RedisClient;
  let redis: Redis;
  let seq = 0;

  beforeAll(async () => {
    server = await startUpstashServer({ redisUrl: REDIS_URL, token });
    raw = createRedisClient(REDIS_URL);
    redis = new Redis({ url: server.url, token, enableTelemetry: false });
  });
  afterAll(async () => {
    await deleteByPrefix(raw, runPrefix);
    expect(await keysUnder(raw, runPrefix)).toEqual([]);
    await raw.close();
    await server.close();
  });

  describeSessionStore("upstash", async () => upstashStores(redis, { prefix: `${runPrefix}${seq++}:` }).sessions);

  describeAtomicStores("upstash", async () => {
    const { counters, singleUse } = upstashStores(redis, { prefix: runPrefix });
    return { counters, singleUse, advance: sleep };
  });

  describeRedisBehaviour("upstash", () => ({
    label: "upstash",
    executor: upstashExecutor(redis),
    raw,
    roundTrips: () => server.requests,
    runPrefix,
  }));

  describe("client wiring", () => {
    test("works with the Cloudflare entry's Redis and with auto-pipelining off", async () => {
      for (const client of [
        new CloudflareRedis({ url: server.url, token, enableTelemetry: false }),
        new Redis({ url: server.url, token, enableTelemetry: false, enableAutoPipelining: false, automaticDeserialization: false }),
      ]) {
        const stores = upstashStores(client, { prefix: `${runPrefix}wiring:` });
        await stores.singleUse.put("k", "42", 60);
        expect(await stores.singleUse.consume("k")).toBe("42");
      }
    });

    test("the user's client keeps working as before (nothing patched)", async () => {
      upstashStores(redis, { prefix: `${runPrefix}untouched:` });
      await redis.set(`${runPrefix}untouched:plain`, JSON.stringify({ a: 1 }));
      expect(await redis.get(`${runPrefix}untouched:plain`)).toEqual({ a: 1 });
    });

    test("anything that is not an @upstash/redis client is refused at start-up", () => {
      expect(() => upstashStores({} as Redis)).toThrow(ConfigurationError);
    });
  });

  describe("faults", () => {
    test("a wrong token is a StorageError that names the operation only", async () => {
      const wrong = new Redis({ url: server.url, token: "wrong-token-secret", enableTelemetry: false });
      const error: unknown = await upstashStores(wrong, { prefix: runPrefix }).sessions.get("secret-session-id").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toBe("upstash sessions.get failed");
      expect((error as StorageError).status).toBe(503);
      const cause = (error as Error).cause as Error;
      expect(cause.message).toMatch(/Unauthorized/);
      expect(cause.message).not.toMatch(/secret/);
    });

    test("a closed port fails as StorageError within the 3 s default deadline, retries included", async () => {
      const dead = new Redis({ url: `http://127.0.0.1:${await closedPort()}`, token, enableTelemetry: false });
      const { error, ms } = await timedRejection(() => upstashStores(dead).counters.increment("k", 60));
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toBe("upstash counters.increment failed");
      expect(ms).toBeLessThan(3_500);
    });

    test("a closed port without retries fails at once", async () => {
      const dead = new Redis({ url: `http://127.0.0.1:${await closedPort()}`, token, enableTelemetry: false, retry: false });
      const { error, ms } = await timedRejection(() => upstashStores(dead).sessions.get("x"));
      expect(error).toBeInstanceOf(StorageError);
      expect(ms).toBeLessThan(1_000);
    });

    test("an endpoint that never answers fails within timeoutMs", async () => {
      const silent = await silentHttpServer();
      try {
        const hung = new Redis({ url: `http://127.0.0.1:${silent.port}`, token, enableTelemetry: false });
        const stores = upstashStores(hung, { timeoutMs: 800 });
        const [a, b] = await Promise.all([timedRejection(() => stores.singleUse.claim("k", 60)), timedRejection(() => stores.sessions.listByUser("u"))]);
        for (const { error, ms } of [a, b]) {
          expect(error).toBeInstanceOf(StorageError);
          expect(String((error as Error).cause)).toMatch(/no answer within 800 ms/);
          expect(ms).toBeLessThan(1_500);
        }
      } finally {
        await silent.close();
      }
    });
  });
});
