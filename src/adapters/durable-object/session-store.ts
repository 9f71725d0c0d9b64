import type { StorageError } from "../../core/errors.js";
import type { SessionRecord, SessionStore } from "../../ports/session-store.js";
import { storageError } from "../storage-guard.js";
import type { PortcullisStoreNamespace, PortcullisStoreRPC, SessionLimit } from "./durable-object-types.js";
import { call, DO_LABEL, type DurableObjectStoreOptions, objectFor } from "./routing.js";

export interface DOSessionStoreOptions extends DurableObjectStoreOptions {
  /**
   * How many session-id -> user-id pointers this store object remembers (0 turns
   * it off). A pointer never changes while its session lives, so a remembered one
   * saves the pointer lookup: `get` on a live session is then one DO call instead
   * of two. Default 1000 (about 100 KB).
   */
  ownerCacheSize?: number;
}

export type SessionLimitResult = { created: true; evicted: string[] } | { created: false; reason: "limit_reached" };

export interface SessionLimitOptions {
  /** "evict-oldest" (default) signs the user's oldest live sessions out to make room; "refuse" creates nothing. */
  onLimit?: SessionLimit["onLimit"];
}

export interface DOSessionStore extends SessionStore {
  /**
   * Creates `session` unless that would leave its user with more than
   * `maxPerUser` live sessions; then either evicts the oldest live ones (returned
   * in `evicted`) or refuses. Count, eviction and insert happen in one step inside
   * the user's object, so concurrent sign-ins can never exceed the limit.
   * Sessions already past `expiresAt` or `idleExpiresAt` (by the object's clock) do not count.
   * Not part of the `SessionStore` port: a Durable Object extra.
   */
  createWithLimit(session: SessionRecord, maxPerUser: number, options?: SessionLimitOptions): Promise<SessionLimitResult>;
}

function duplicate(): StorageError {
  return storageError(DO_LABEL, "sessions.create", new Error("session id already exists"));
}

/**
 * Sessions on Durable Objects, `consistency: "atomic"`: a sign-out or a
 * revocation is seen by the next request everywhere.
 *
 * Sharding. The authority is one object per user (`user-sessions:<userId>`)
 * holding all of that user's sessions, so `listByUser`, `deleteByUser` and the
 * session limit are single-object operations: atomic, one call, and a "sign out
 * everywhere" cannot miss a session being created at the same moment. But
 * `get(id)` only knows the session id, so a second kind of object
 * (`session:<id>`) holds an immutable pointer from the session id to its user.
 * The rejected alternatives:
 * - one object per session plus a per-user index: `get` is one call, but every
 *   create / delete / limit spans two objects with no transaction between them, so
 *   a crash or race can leave a live session the index no longer lists, which
 *   "sign out everywhere" would then miss;
 * - a fixed number of shards by session id: `get` is one call, but `listByUser`
 *   and `deleteByUser` fan out to every shard, a per-user limit cannot be atomic,
 *   and the shard count is frozen into the data (each object serves ~1000 req/s).
 *
 * Round trips (DO calls): get 1 when the pointer is remembered (`ownerCacheSize`),
 * else 2 sequential (pointer, then the user's object); touch and delete the same;
 * create 2 (claim the pointer, then insert); createWithLimit 2; listByUser 1;
 * deleteByUser 1.
 *
 * Pointers are claimed before the record is written: a failure in between leaves
 * a pointer to a user without that session, which reads as "no session". A pointer
 * belonging to another user blocks the id (a duplicate id is a bug: ids are
 * SHA-256 of 256-bit tokens) until the alarm collects it, 10 minutes after the
 * session's absolute expiry. Dead sessions are collected by the same alarm
 * 10 minutes after they expire (or after their last write, if later); until then
 * `get` returns them and the token strategy refuses them.
 */
export function doSessionStore(namespace: PortcullisStoreNamespace, options: DOSessionStoreOptions = {}): DOSessionStore {
  const prefix = options.prefix ?? "portcullis:";
  const cacheSize = options.ownerCacheSize ?? 1000;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new RangeError("ownerCacheSize must be an integer >= 0");
  const pointer = (id: string): PortcullisStoreRPC => objectFor(namespace, `${prefix}session:${id}`);
  const userObject = (userId: string): PortcullisStoreRPC => objectFor(namespace, `${prefix}user-sessions:${userId}`);

  // Per store object, not per module: nothing leaks between stores built for different namespaces or prefixes.
  const owners = new Map<string, string>();
  function remember(id: string, userId: string): void {
    if (cacheSize === 0) return;
    owners.delete(id);
    owners.set(id, userId);
    if (owners.size > cacheSize) owners.delete(owners.keys().next().value as string);
  }

  async function lookUpOwner(operation: string, id: string): Promise<string | null> {
    const userId = await call(operation, () => pointer(id).ownerGet());
    if (userId !== null) remember(id, userId);
    return userId;
  }

  /**
   * Runs `run` on the object of the session's owner. A remembered owner can only be
   * wrong if the id was re-issued to another user after the old pointer was
   * collected; when `found` says the owner had no such session, ask the pointer again.
   */
  async function onOwner<T>(operation: string, id: string, run: (owner: PortcullisStoreRPC) => Promise<T>, found: (result: T) => boolean, none: T): Promise<T> {
    const remembered = owners.get(id);
    const first = remembered ?? (await lookUpOwner(operation, id));
    if (first === null) return none;
    const result = await call(operation, () => run(userObject(first)));
    if (found(result) || remembered === undefined) return result;
    owners.delete(id);
    const current = await lookUpOwner(operation, id);
    if (current === null || current === first) return result;
    return call(operation, () => run(userObject(current)));
  }

  async function insert(session: SessionRecord, limit: SessionLimit | null): Promise<SessionLimitResult> {
    const claimed = await call("sessions.create", () => pointer(session.id).ownerClaim(session.userId, session.expiresAt.getTime()));
    if (!claimed) throw duplicate();
    const outcome = await call("sessions.create", () => userObject(session.userId).sessionsCreate(session, limit));
    if (outcome.status === "duplicate") throw duplicate();
    if (outcome.status === "limit_reached") return { created: false, reason: "limit_reached" };
    remember(session.id, session.userId);
    return { created: true, evicted: outcome.evicted };
  }

  return {
    consistency: "atomic",

    async create(session: SessionRecord): Promise<void> {
      await insert(session, null);
    },

    async createWithLimit(session: SessionRecord, maxPerUser: number, limitOptions: SessionLimitOptions = {}): Promise<SessionLimitResult> {
      if (!Number.isInteger(maxPerUser) || maxPerUser < 1) throw new RangeError("maxPerUser must be an integer >= 1");
      return insert(session, { max: maxPerUser, onLimit: limitOptions.onLimit ?? "evict-oldest" });
    },

    get: (id: string): Promise<SessionRecord | null> =>
      onOwner("sessions.get", id, (owner) => owner.sessionsGet(id), (record) => record !== null, null),

    async touch(id: string, idleExpiresAt: Date): Promise<void> {
      await onOwner("sessions.touch", id, (owner) => owner.sessionsTouch(id, idleExpiresAt), Boolean, false);
    },

    async delete(id: string): Promise<void> {
      await onOwner("sessions.delete", id, (owner) => owner.sessionsDelete(id), Boolean, false);
      owners.delete(id);
    },

    listByUser: (userId: string): Promise<SessionRecord[]> => call("sessions.listByUser", () => userObject(userId).sessionsList()),

    async deleteByUser(userId: string): Promise<void> {
      await call("sessions.deleteByUser", () => userObject(userId).sessionsDeleteAll());
      for (const [id, owner] of owners) if (owner === userId) owners.delete(id);
    },
  };
}
