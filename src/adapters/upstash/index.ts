/**
 * Upstash Redis over its REST API, for Workers and any fetch runtime (`portcullis/adapters/upstash`).
 * Edge-safe: no `node:*`, and @upstash/redis is imported for its types only, so the
 * caller's own client (`@upstash/redis/cloudflare` in a Worker) is the one that runs.
 *
 *   import { Redis } from "@upstash/redis/cloudflare";
 *   const { sessions, counters, singleUse } = upstashStores(new Redis({ url, token }));
 *
 * Same stores, Lua and key layout as the TCP adapter (../redis-shared/): one HTTP request
 * per store call.
 */
import type { Redis, Requester } from "@upstash/redis";
import { ConfigurationError } from "../../core/errors.js";
import type { RedisExecutor, RedisValue } from "../redis-shared/executor.js";
import { createRedisStores, type RedisStoreOptions, type RedisStores } from "../redis-shared/stores.js";
import { withDeadline } from "../storage-guard.js";

export type { RedisStoreOptions, RedisStores } from "../redis-shared/stores.js";
export { luaScript, runScript, type LuaScript, type RedisExecutor, type RedisValue } from "../redis-shared/executor.js";

export interface UpstashStoreOptions extends RedisStoreOptions {
  /**
   * Fail a call that has no answer after this long, retries included (@upstash/redis retries
   * network errors five times by default, about 4 s in all). Default 3000 ms.
   */
  timeoutMs?: number;
}

/**
 * The stores talk to the client's `Requester` (the HTTP layer under `Redis`), not to
 * `redis.get(...)` and friends, because those would
 * - JSON-parse replies (`automaticDeserialization`, on by default): a stored "123" or "null"
 *   would come back as a number or null;
 * - batch calls into /pipeline through the auto-pipelining proxy `new Redis()` returns;
 * - give no way to abort one request on a deadline.
 * Requests still go through the client's own fetch, auth, base64 decoding and retries.
 */
function requesterOf(redis: Redis | Requester): Requester {
  const requester = "request" in redis && typeof redis.request === "function" ? redis : (redis as unknown as { client?: Requester }).client;
  if (requester === undefined || typeof requester.request !== "function") {
    throw new ConfigurationError("upstashStores expects a Redis instance from @upstash/redis");
  }
  return requester;
}

/**
 * The transport under `upstashStores`: one command, one HTTP request, with a deadline.
 * Exported for tests and for running your own scripts next to the stores (`runScript`).
 */
export function upstashExecutor(redis: Redis | Requester, options: Pick<UpstashStoreOptions, "timeoutMs"> = {}): RedisExecutor {
  const requester = requesterOf(redis);
  const timeoutMs = options.timeoutMs ?? 3000;
  return {
    label: "upstash",
    async command(args: readonly string[]): Promise<RedisValue> {
      const controller = new AbortController();
      const expired = (): Error => new Error(`no answer within ${timeoutMs} ms`);
      const response = await withDeadline(() => requester.request<RedisValue>({ body: args, signal: controller.signal }), timeoutMs, () => {
        controller.abort();
        return expired();
      });
      // An aborted request resolves with a made-up result instead of rejecting: never trust it.
      if (controller.signal.aborted) throw expired();
      if (response.error !== undefined && response.error !== null) throw new Error(String(response.error));
      if (response.result === undefined) throw new Error("the answer has no result");
      return response.result;
    },
  };
}

/** Sessions, counters and single-use values on Upstash Redis, all `atomic`. */
export function upstashStores(redis: Redis | Requester, options: UpstashStoreOptions = {}): RedisStores {
  return createRedisStores(upstashExecutor(redis, options), options);
}
