/**
 * The local Upstash stand-in speaks the protocol @upstash/redis expects: checked with raw
 * fetch (status codes, base64) and with the client's own pipeline and transaction APIs, so
 * the adapter tests that rely on it test the adapter, not a lenient fake.
 */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createRedisClient, type RedisClient } from "../../src/adapters/redis/client.js";
import { REDIS_URL, serviceAvailable } from "../helpers/services.js";
import { startUpstashServer, type UpstashTestServer } from "../helpers/upstash-server.js";
import { deleteByPrefix, testPrefix } from "./redis-kit.js";

const up = await serviceAvailable("Redis", REDIS_URL);

describe.skipIf(!up)("local Upstash REST stand-in", () => {
  const prefix = testPrefix();
  const token = "stand-in-token";
  let server: UpstashTestServer;
  let raw: RedisClient;

  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${server.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    server = await startUpstashServer({ redisUrl: REDIS_URL, token });
    raw = createRedisClient(REDIS_URL);
  });
  afterAll(async () => {
    await deleteByPrefix(raw, prefix);
    await raw.close();
    await server.close();
  });

  test("runs a command on Redis and answers { result }", async () => {
    const set = await post("/", ["SET", `${prefix}a`, "héllo"]);
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ result: "OK" });
    expect(await raw.send(["GET", `${prefix}a`])).toBe("héllo");
    expect(await (await post("/", ["INCR", `${prefix}n`])).json()).toEqual({ result: 1 });
    expect(await (await post("/", ["GET", `${prefix}missing`])).json()).toEqual({ result: null });
  });

  test("base64-encodes every string when asked, numbers and null left alone", async () => {
    await raw.send(["RPUSH", `${prefix}list`, "héllo", "OK"]);
    const response = await post("/", ["EVAL", "return {redis.call('LRANGE', KEYS[1], 0, -1), 7, false}", "1", `${prefix}list`], { "Upstash-Encoding": "base64" });
    expect(await response.json()).toEqual({ result: [[Buffer.from("héllo").toString("base64"), "T0s="], 7, null] });
  });

  test("a Redis error is 400 { error }", async () => {
    const response = await post("/", ["INCR"]);
    expect(response.status).toBe(400);
    expect((await response.json()) as { error: string }).toEqual({ error: expect.stringMatching(/^ERR wrong number of arguments/) });
  });

  test("no token or a wrong one is 401; only POST is served", async () => {
    expect((await fetch(server.url, { method: "POST", body: JSON.stringify(["PING"]) })).status).toBe(401);
    expect((await post("/", ["PING"], { authorization: "Bearer nope" })).status).toBe(401);
    expect((await fetch(server.url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(405);
  });

  test("/pipeline answers per command, errors included", async () => {
    const response = await post("/pipeline", [["SET", `${prefix}p`, "1"], ["INCR"], ["INCR", `${prefix}p`]]);
    expect(await response.json()).toEqual([{ result: "OK" }, { error: expect.stringMatching(/^ERR wrong number/) }, { result: 2 }]);
  });

  test("/multi-exec runs in one transaction", async () => {
    const response = await post("/multi-exec", [["SET", `${prefix}t`, "1"], ["INCR", `${prefix}t`], ["LPUSH", `${prefix}t`, "x"]]);
    expect(await response.json()).toEqual([{ result: "OK" }, { result: 2 }, { error: expect.stringMatching(/^WRONGTYPE/) }]);
    const aborted = await post("/multi-exec", [["SET", `${prefix}t2`, "1"], ["INCR"]]);
    expect(aborted.status).toBe(400);
    expect(await raw.send(["EXISTS", `${prefix}t2`])).toBe(0);
  });

  test("@upstash/redis works against it: commands, JSON values, pipeline, multi, scripts", async () => {
    const redis = new Redis({ url: server.url, token, enableTelemetry: false });
    await redis.set(`${prefix}json`, { a: [1, "two"] });
    expect(await redis.get(`${prefix}json`)).toEqual({ a: [1, "two"] });
    const pipe = redis.pipeline();
    pipe.incr(`${prefix}c`);
    pipe.incr(`${prefix}c`);
    pipe.hset(`${prefix}h`, { f: "v" });
    pipe.hgetall(`${prefix}h`);
    expect(await pipe.exec()).toEqual([1, 2, 1, { f: "v" }]);
    const tx = redis.multi();
    tx.set(`${prefix}m`, "x");
    tx.getdel(`${prefix}m`);
    expect(await tx.exec()).toEqual(["OK", "x"]);
    const script = redis.createScript<number>("return tonumber(ARGV[1]) + 1");
    expect(await script.exec([], ["41"])).toBe(42);
  });
});
