/**
 * NODE ONLY (a leaf subpath, `portcullis/adapters/redis`): Redis over TCP for Node.
 * Workers reach Redis over HTTP instead (`portcullis/adapters/upstash`); both run the
 * same stores, Lua and key layout from ../redis-shared/.
 *
 *   const client = createRedisClient(process.env.REDIS_URL!);
 *   const { sessions, counters, singleUse } = redisStores(client, { prefix: "myapp:" });
 *   // ...at shutdown: await client.close();
 */
import type { RedisExecutor, RedisValue } from "../redis-shared/executor.js";
import { createRedisStores, type RedisStoreOptions, type RedisStores } from "../redis-shared/stores.js";

export { createRedisClient, RedisConnectionError, RedisReplyError, type RedisClient, type RedisClientOptions, type RespReply } from "./client.js";
export type { RedisStoreOptions, RedisStores } from "../redis-shared/stores.js";
export { luaScript, runScript, type LuaScript, type RedisExecutor, type RedisValue } from "../redis-shared/executor.js";

/**
 * What `redisStores` needs: `createRedisClient(url)` gives one, and any other client fits in
 * a line, e.g. ioredis: `{ send: (args) => redis.call(args[0]!, ...args.slice(1)) }`. Replies
 * in RESP2 shape (strings, numbers, null, arrays); errors thrown with the server's message.
 */
export interface RedisCommandSender {
  send(args: readonly string[]): Promise<unknown>;
}

/**
 * The transport under `redisStores`: one command, one round trip on the client's connection.
 * Exported for tests and for running your own scripts next to the stores (`runScript`).
 */
export function redisExecutor(client: RedisCommandSender): RedisExecutor {
  return {
    label: "redis",
    command: async (args: readonly string[]): Promise<RedisValue> => (await client.send(args)) as RedisValue,
  };
}

/** Sessions, counters and single-use values on one Redis, all `atomic`. One round trip per call. */
export function redisStores(client: RedisCommandSender, options: RedisStoreOptions = {}): RedisStores {
  return createRedisStores(redisExecutor(client), options);
}
