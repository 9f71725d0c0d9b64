/**
 * What the Redis-backed stores need from a transport, and nothing more: send one
 * command, get its reply. The TCP client (`../redis/`) and the Upstash REST client
 * (`../upstash/`) each implement it, so both run the same stores and the same Lua.
 * Edge-safe: no `node:*` here, the Upstash path imports this module.
 */
import { createStorageGuard, type StorageGuard } from "../storage-guard.js";

/** A reply in RESP2 shape: bulk/simple strings as strings, integers as numbers, nil as null. */
export type RedisValue = string | number | null | RedisValue[];

export interface RedisExecutor {
  /** "redis" or "upstash": the first word of every `StorageError` message. */
  readonly label: string;
  /** One command, one round trip. Rejects with the server's error or a transport failure. */
  command(args: readonly string[]): Promise<RedisValue>;
}

export interface LuaScript {
  readonly source: string;
  /** Hex SHA-1 of `source`, what EVALSHA names the script by (computed once, lazily). */
  sha1(): Promise<string>;
}

export function luaScript(source: string): LuaScript {
  let digest: Promise<string> | undefined;
  return {
    source,
    sha1: (): Promise<string> => (digest ??= sha1Hex(source)),
  };
}

async function sha1Hex(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * EVALSHA first, EVAL when the server does not know the script yet (NOSCRIPT): one round
 * trip once the script is cached, which Redis does for every EVAL it runs, two the first
 * time on a fresh server or after SCRIPT FLUSH.
 */
export async function runScript(executor: RedisExecutor, script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<RedisValue> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await executor.command(["EVALSHA", await script.sha1(), ...tail]);
  } catch (error) {
    if (!(error instanceof Error) || !/\bNOSCRIPT\b/i.test(error.message)) throw error;
    return executor.command(["EVAL", script.source, ...tail]);
  }
}

/**
 * The guard every Redis-backed store call runs through: "<label> <operation> failed", and
 * no deadline of its own, because each transport has one per command (TCP: the client's
 * `commandTimeoutMs`; Upstash: `timeoutMs`), both 3 s by default.
 */
export function redisGuard(executor: RedisExecutor): StorageGuard {
  return createStorageGuard({ label: executor.label, redact: redactRedisError });
}

/**
 * The cause kept: the transport's error with anything after "command was:" cut off,
 * because @upstash/redis appends the whole command (keys and values) there.
 */
function redactRedisError(error: unknown): unknown {
  if (!(error instanceof Error)) return new Error("unknown failure");
  const cut = error.message.indexOf(", command was:");
  if (cut < 0) return error;
  const clean = new Error(error.message.slice(0, cut));
  clean.name = error.name;
  return clean;
}
