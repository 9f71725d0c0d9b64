import { systemClock, type Clock } from "../../core/context.js";
import type { SessionRecord, SessionStore } from "../../ports/session-store.js";
import { createStorageGuard, storageError } from "../storage-guard.js";
import { getMany, type KVNamespaceLike, listAll, ttlUntil } from "./kv-namespace.js";

export interface KVSessionStoreOptions {
  /** Prepended to every key, so several apps (or tests) can share one namespace. Default "portcullis:". */
  prefix?: string;
  /** Only used to turn `expiresAt` into KV's relative `expirationTtl`. */
  clock?: Clock;
}

/** The session as JSON: dates as epoch milliseconds. */
interface StoredSession {
  id: string;
  userId: string;
  /** Absent in records written before 0.3: read as null. */
  tenantId?: string | null;
  createdAt: number;
  expiresAt: number;
  idleExpiresAt: number;
  amr: string[];
  ip: string | null;
  userAgent: string | null;
}

/** The slid idle deadline, kept apart from the record (see `touch`); `c` ties it to one session's createdAt. */
interface StoredIdle {
  c: number;
  idle: number;
}

/** Index entry metadata: enough to read the index without the records. */
interface IndexMetadata {
  createdAt: number;
  expiresAt: number;
}

const LABEL = "kv";

/** Oldest first, ties broken by id: the order every other session store returns. */
function byCreatedAt(a: SessionRecord, b: SessionRecord): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Runs a KV call; anything but our own `AuthError`s (a malformed record, a taken id: already
 * a `StorageError` naming the operation) becomes a `StorageError` (fail closed). KV errors
 * carry no values, so they are kept as the cause as they are.
 */
const guard = createStorageGuard({ label: LABEL, authErrors: "rethrow" });

const isString = (value: unknown): value is string => typeof value === "string";
const isNullableString = (value: unknown): value is string | null => value === null || typeof value === "string";
const isTime = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

function toStored(session: SessionRecord): StoredSession {
  return {
    id: session.id,
    userId: session.userId,
    tenantId: session.tenantId,
    createdAt: session.createdAt.getTime(),
    expiresAt: session.expiresAt.getTime(),
    idleExpiresAt: session.idleExpiresAt.getTime(),
    amr: [...session.amr],
    ip: session.ip,
    userAgent: session.userAgent,
  };
}

/** Null when absent; throws when present but not a record we wrote (corruption must not read as "signed out"). */
function parseStored(operation: string, value: unknown): StoredSession | null {
  if (value === null || value === undefined) return null;
  const v = value as Partial<StoredSession>;
  const valid =
    typeof value === "object" &&
    isString(v.id) &&
    isString(v.userId) &&
    (v.tenantId === undefined || isNullableString(v.tenantId)) &&
    isTime(v.createdAt) &&
    isTime(v.expiresAt) &&
    isTime(v.idleExpiresAt) &&
    Array.isArray(v.amr) &&
    v.amr.every(isString) &&
    isNullableString(v.ip) &&
    isNullableString(v.userAgent);
  if (!valid) throw storageError(LABEL, operation, new Error("malformed session record"));
  return v as StoredSession;
}

function parseIdle(value: unknown): StoredIdle | null {
  const v = value as Partial<StoredIdle> | null;
  return v !== null && typeof v === "object" && isTime(v.c) && isTime(v.idle) ? (v as StoredIdle) : null;
}

/** The record as callers see it: the idle deadline from `touch` wins when it belongs to this very session. */
function toRecord(stored: StoredSession, idle: StoredIdle | null): SessionRecord {
  const idleExpiresAt = idle !== null && idle.c === stored.createdAt ? idle.idle : stored.idleExpiresAt;
  return {
    id: stored.id,
    userId: stored.userId,
    tenantId: stored.tenantId ?? null,
    createdAt: new Date(stored.createdAt),
    expiresAt: new Date(stored.expiresAt),
    idleExpiresAt: new Date(idleExpiresAt),
    amr: [...stored.amr],
    ip: stored.ip,
    userAgent: stored.userAgent,
  };
}

/**
 * Sessions in Cloudflare Workers KV. `consistency: "eventual"`, and meant it:
 *
 * KV caches every read at the location that made it and a write reaches the
 * other locations only as their caches expire, about 60 seconds. So a sign-out,
 * a "sign out everywhere" or an admin revocation may not be seen by other
 * locations for up to ~60 s: a stolen token keeps working there meanwhile.
 * `createAuth` therefore refuses this store for any plugin that declares
 * `sessions: "atomic"` (session limits, refresh rotation, ...). When sign-out
 * must be immediate, keep sessions in Durable Objects (`doSessionStore`) or D1.
 *
 * Layout under `prefix` (default "portcullis:"):
 *   s:<sessionId>          the record (JSON), expiring with the session's absolute deadline
 *   i:<sessionId>          the idle deadline slid by `touch` (JSON), same expiry
 *   u:<userId>:<sessionId> empty value + {createdAt, expiresAt} metadata: the per-user index
 *                          that `listByUser` reads with `list({ prefix })` (itself eventually
 *                          consistent: a session created elsewhere may be missing for ~60 s)
 *
 * Expiry: keys carry `expirationTtl` up to `expiresAt`, never under KV's 60 s floor,
 * so KV drops dead sessions itself; until then `get` still returns an expired
 * record and the token strategy refuses it (the port's contract).
 *
 * Why `touch` writes `i:` instead of rewriting `s:`: a location still serving a
 * cached copy of a session that was deleted elsewhere would otherwise write the
 * whole record back and undo the sign-out for good. A stale touch now only
 * leaves a small `i:` key behind, which `get` ignores without its `s:` record.
 *
 * Round trips (subrequests): get 1 (one bulk read of `s:` + `i:`, billed as 2 reads);
 * create 3 (duplicate check, index, record); touch 2; delete 1 read + 3 deletes;
 * listByUser 1 list per 1000 sessions + 1 bulk read per 50; deleteByUser 1 list + 3
 * deletes per session (KV has no batch delete in the binding; a Worker may make
 * 1000 KV operations per invocation).
 */
export function kvSessionStore(namespace: KVNamespaceLike, options: KVSessionStoreOptions = {}): SessionStore {
  const prefix = options.prefix ?? "portcullis:";
  const clock = options.clock ?? systemClock;
  const recordKey = (id: string): string => `${prefix}s:${id}`;
  const idleKey = (id: string): string => `${prefix}i:${id}`;
  // Encoded so that user "a" can never list user "a:b"'s sessions through a shared prefix.
  const userPrefix = (userId: string): string => `${prefix}u:${encodeURIComponent(userId)}:`;
  const indexKey = (userId: string, id: string): string => `${userPrefix(userId)}${id}`;

  async function sessionIds(userId: string): Promise<string[]> {
    const start = userPrefix(userId);
    const keys = await listAll(namespace, start);
    return keys.map((key) => key.name.slice(start.length));
  }

  async function read(operation: string, ids: readonly string[]): Promise<SessionRecord[]> {
    const values = await getMany(namespace, ids.flatMap((id) => [recordKey(id), idleKey(id)]));
    const records: SessionRecord[] = [];
    for (const id of ids) {
      const stored = parseStored(operation, values.get(recordKey(id)));
      if (stored !== null) records.push(toRecord(stored, parseIdle(values.get(idleKey(id)))));
    }
    return records;
  }

  return {
    consistency: "eventual",

    create: (session: SessionRecord): Promise<void> =>
      guard("sessions.create", async () => {
        // Best effort only: KV has no conditional write, so two locations could both pass
        // this check. Session ids are SHA-256 of 256-bit random tokens; a clash is a bug.
        if ((await namespace.get(recordKey(session.id), "json")) !== null) {
          throw storageError(LABEL, "sessions.create", new Error("session id already exists"));
        }
        const stored = toStored(session);
        const expirationTtl = ttlUntil(stored.expiresAt, clock.now().getTime());
        const metadata: IndexMetadata = { createdAt: stored.createdAt, expiresAt: stored.expiresAt };
        // Index first: if the record write then fails, a dangling index entry is skipped by
        // listByUser; the other order could leave a live session that deleteByUser cannot find.
        await namespace.put(indexKey(stored.userId, stored.id), "", { expirationTtl, metadata });
        await namespace.put(recordKey(stored.id), JSON.stringify(stored), { expirationTtl });
      }),

    get: (id: string): Promise<SessionRecord | null> =>
      guard("sessions.get", async () => (await read("sessions.get", [id]))[0] ?? null),

    touch: (id: string, idleExpiresAt: Date): Promise<void> =>
      guard("sessions.touch", async () => {
        const stored = parseStored("sessions.touch", await namespace.get(recordKey(id), "json"));
        if (stored === null) return;
        const idle: StoredIdle = { c: stored.createdAt, idle: idleExpiresAt.getTime() };
        await namespace.put(idleKey(id), JSON.stringify(idle), { expirationTtl: ttlUntil(stored.expiresAt, clock.now().getTime()) });
      }),

    delete: (id: string): Promise<void> =>
      guard("sessions.delete", async () => {
        const stored = parseStored("sessions.delete", await namespace.get(recordKey(id), "json"));
        // The record goes first: that is what revokes the session.
        await namespace.delete(recordKey(id));
        const rest = [namespace.delete(idleKey(id))];
        // Without the record we cannot name the index entry; it is skipped by listByUser and expires with the session.
        if (stored !== null) rest.push(namespace.delete(indexKey(stored.userId, id)));
        await Promise.all(rest);
      }),

    listByUser: (userId: string): Promise<SessionRecord[]> =>
      guard("sessions.listByUser", async () => {
        const records = await read("sessions.listByUser", await sessionIds(userId));
        return records.filter((record) => record.userId === userId).sort(byCreatedAt);
      }),

    deleteByUser: (userId: string): Promise<void> =>
      guard("sessions.deleteByUser", async () => {
        const ids = await sessionIds(userId);
        await Promise.all(ids.map((id) => namespace.delete(recordKey(id))));
        await Promise.all(ids.flatMap((id) => [namespace.delete(idleKey(id)), namespace.delete(indexKey(userId, id))]));
      }),
  };
}
