/**
 * SessionStore, CounterStore and SingleUseStore over any `RedisExecutor`. Every store
 * call is one command or one script: one round trip (two the first time a script runs
 * on a server, see `runScript`).
 *
 * Key layout (prefix "pc:" by default):
 *   <prefix>s:<sessionId>  hash: userId, createdAt, expiresAt, idleExpiresAt (ms since epoch),
 *                          amr (JSON array), ip, userAgent, tenantId (absent when null)
 *   <prefix>u:<userId>     set of that user's session ids
 *   <prefix>c:<key>        counter (INCR), TTL = the window
 *   <prefix>v:<key>        single-use value, TTL = its lifetime
 *   <prefix>m:<key>        claim mark ("1"), TTL = its lifetime
 */
import { systemClock, type Clock } from "../../core/context.js";
import type { CounterStore } from "../../ports/counter-store.js";
import type { SessionRecord, SessionStore } from "../../ports/session-store.js";
import type { SingleUseStore } from "../../ports/single-use-store.js";
import { byCreatedAt } from "../memory/copy.js";
import { redisGuard, runScript, type RedisExecutor, type RedisValue } from "./executor.js";
import { CREATE_SESSION, DELETE_SESSION, DELETE_USER_SESSIONS, INCREMENT_COUNTER, LIST_SESSIONS, TOUCH_SESSION } from "./scripts.js";

export interface RedisStoreOptions {
  /** Prepended to every key, so several apps (or test runs) can share one database. Default "pc:". */
  prefix?: string;
  /**
   * How long a session record outlives its absolute expiry before Redis deletes it, and
   * the least time any new record is kept. Default 3600 s. The TTL is garbage collection
   * only: the token strategy checks the idle and absolute timeouts itself, and a record
   * kept a little longer lets it refuse an expired session rather than meet an unknown id.
   */
  sessionGraceSeconds?: number;
  /**
   * Turns a session's absolute expiry into its TTL; nothing else. Counters and single-use
   * values expire on Redis's own clock. Default: the system clock.
   */
  clock?: Clock;
}

export interface RedisStores {
  sessions: SessionStore;
  counters: CounterStore;
  singleUse: SingleUseStore;
}

const DEFAULT_PREFIX = "pc:";
const DEFAULT_GRACE_SECONDS = 3600;

/** Seconds to a positive whole number of milliseconds: Redis refuses 0, negatives and fractions. */
function milliseconds(seconds: number): number {
  const ms = Math.ceil(seconds * 1000);
  if (!Number.isFinite(ms) || ms < 1) throw new RangeError("a TTL must be a positive number of seconds");
  return ms;
}

function epochMs(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("invalid date");
  return String(ms);
}

function malformed(what: string): Error {
  return new Error(`malformed ${what} in Redis`);
}

function asInteger(value: RedisValue): number {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  throw malformed("integer reply");
}

function asString(value: RedisValue): string | null {
  if (value === null || typeof value === "string") return value;
  throw malformed("string reply");
}

function asArray(value: RedisValue): RedisValue[] {
  if (Array.isArray(value)) return value;
  throw malformed("array reply");
}

function sessionFields(session: SessionRecord): string[] {
  const fields = [
    "userId", session.userId,
    "createdAt", epochMs(session.createdAt),
    "expiresAt", epochMs(session.expiresAt),
    "idleExpiresAt", epochMs(session.idleExpiresAt),
    "amr", JSON.stringify(session.amr),
  ];
  // Absent means null, so an empty string stays an empty string.
  if (session.ip !== null) fields.push("ip", session.ip);
  if (session.userAgent !== null) fields.push("userAgent", session.userAgent);
  if (session.tenantId !== null) fields.push("tenantId", session.tenantId);
  return fields;
}

/** A session from HGETALL's flat [field, value, ...] reply; null for an empty reply (no such key). */
function sessionFromFields(id: string, reply: RedisValue): SessionRecord | null {
  const flat = asArray(reply);
  if (flat.length === 0) return null;
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i];
    const value = flat[i + 1];
    if (typeof name !== "string" || typeof value !== "string") throw malformed("session");
    fields.set(name, value);
  }
  const date = (name: string): Date => {
    const raw = fields.get(name);
    if (raw === undefined || !/^-?\d+$/.test(raw)) throw malformed("session");
    return new Date(Number(raw));
  };
  const userId = fields.get("userId");
  const amr: unknown = JSON.parse(fields.get("amr") ?? "null");
  if (userId === undefined || !Array.isArray(amr) || !amr.every((method) => typeof method === "string")) throw malformed("session");
  return {
    id,
    userId,
    tenantId: fields.get("tenantId") ?? null,
    createdAt: date("createdAt"),
    expiresAt: date("expiresAt"),
    idleExpiresAt: date("idleExpiresAt"),
    amr: amr as string[],
    ip: fields.get("ip") ?? null,
    userAgent: fields.get("userAgent") ?? null,
  };
}

export function redisSessionStore(executor: RedisExecutor, options: RedisStoreOptions = {}): SessionStore {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const graceMs = milliseconds(options.sessionGraceSeconds ?? DEFAULT_GRACE_SECONDS);
  const clock = options.clock ?? systemClock;
  // Every failure (transport, server error, malformed data) becomes a StorageError naming the operation.
  const guard = redisGuard(executor);
  const sessionPrefix = `${prefix}s:`;
  const userPrefix = `${prefix}u:`;

  return {
    consistency: "atomic",

    create: (session: SessionRecord): Promise<void> =>
      guard("sessions.create", async () => {
        // A relative TTL: clock skew against Redis only shifts garbage collection, never validity.
        const ttlMs = Math.max(session.expiresAt.getTime() - clock.now().getTime(), 0) + graceMs;
        const keys = [sessionPrefix + session.id, userPrefix + session.userId];
        const created = await runScript(executor, CREATE_SESSION, keys, [session.id, String(ttlMs), ...sessionFields(session)]);
        if (asInteger(created) !== 1) throw new Error("a session with this id exists");
      }),

    get: (id: string): Promise<SessionRecord | null> =>
      guard("sessions.get", async () => sessionFromFields(id, await executor.command(["HGETALL", sessionPrefix + id]))),

    touch: (id: string, idleExpiresAt: Date): Promise<void> =>
      guard("sessions.touch", async () => {
        await runScript(executor, TOUCH_SESSION, [sessionPrefix + id], [epochMs(idleExpiresAt)]);
      }),

    delete: (id: string): Promise<void> =>
      guard("sessions.delete", async () => {
        await runScript(executor, DELETE_SESSION, [sessionPrefix + id], [userPrefix, id]);
      }),

    listByUser: (userId: string): Promise<SessionRecord[]> =>
      guard("sessions.listByUser", async () => {
        const flat = asArray(await runScript(executor, LIST_SESSIONS, [userPrefix + userId], [sessionPrefix, userId]));
        const sessions: SessionRecord[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const id = flat[i];
          if (typeof id !== "string") throw malformed("session list");
          const session = sessionFromFields(id, flat[i + 1] ?? null);
          if (session !== null) sessions.push(session);
        }
        // Sets are unordered: sort as the memory and SQL stores do.
        return sessions.sort(byCreatedAt);
      }),

    deleteByUser: (userId: string): Promise<void> =>
      guard("sessions.deleteByUser", async () => {
        await runScript(executor, DELETE_USER_SESSIONS, [userPrefix + userId], [sessionPrefix, userId]);
      }),
  };
}

/** Fixed-window counters on Redis's clock: INCR and the window's TTL in one script. */
export function redisCounterStore(executor: RedisExecutor, options: Pick<RedisStoreOptions, "prefix"> = {}): CounterStore {
  const guard = redisGuard(executor);
  const counterPrefix = `${options.prefix ?? DEFAULT_PREFIX}c:`;
  return {
    consistency: "atomic",
    increment: (key: string, windowSeconds: number): Promise<number> =>
      guard("counters.increment", async () =>
        asInteger(await runScript(executor, INCREMENT_COUNTER, [counterPrefix + key], [String(milliseconds(windowSeconds))])),
      ),
    get: (key: string): Promise<number> =>
      guard("counters.get", async () => {
        const value = await executor.command(["GET", counterPrefix + key]);
        return value === null ? 0 : asInteger(value);
      }),
    reset: (key: string): Promise<void> =>
      guard("counters.reset", async () => {
        await executor.command(["DEL", counterPrefix + key]);
      }),
  };
}

/** Single commands only: SET PX, GETDEL (Redis >= 6.2) and SET NX PX are each atomic on their own. */
export function redisSingleUseStore(executor: RedisExecutor, options: Pick<RedisStoreOptions, "prefix"> = {}): SingleUseStore {
  const guard = redisGuard(executor);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const valuePrefix = `${prefix}v:`;
  const markPrefix = `${prefix}m:`;
  return {
    consistency: "atomic",
    put: (key: string, value: string, ttlSeconds: number): Promise<void> =>
      guard("singleUse.put", async () => {
        await executor.command(["SET", valuePrefix + key, value, "PX", String(milliseconds(ttlSeconds))]);
      }),
    consume: (key: string): Promise<string | null> =>
      guard("singleUse.consume", async () => asString(await executor.command(["GETDEL", valuePrefix + key]))),
    claim: (key: string, ttlSeconds: number): Promise<boolean> =>
      guard("singleUse.claim", async () => {
        const reply = await executor.command(["SET", markPrefix + key, "1", "NX", "PX", String(milliseconds(ttlSeconds))]);
        return reply !== null;
      }),
  };
}

/** The three Redis-backed stores over one executor, sharing one key prefix. */
export function createRedisStores(executor: RedisExecutor, options: RedisStoreOptions = {}): RedisStores {
  return {
    sessions: redisSessionStore(executor, options),
    counters: redisCounterStore(executor, options),
    singleUse: redisSingleUseStore(executor, options),
  };
}
