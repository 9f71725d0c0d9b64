import { DurableObject } from "cloudflare:workers";
import type { SessionRecord } from "../../ports/session-store.js";
import type {
  DurableObjectStateLike,
  DurableObjectStorageLike,
  PortcullisStoreRPC,
  SessionCreateOutcome,
  SessionLimit,
} from "./durable-object-types.js";

/**
 * How long a dead session (or session-id pointer) stays before the alarm removes
 * it: counted from its expiry, or from its last write when that is later. The
 * port says `get` returns expired records (expiry is the token strategy's call,
 * on its own clock), so the store never drops one the moment it expires.
 */
export const SESSION_RETENTION_MS = 10 * 60_000;

/** `storage.delete(keys)` takes at most 128 keys. */
const DELETE_BATCH = 128;

interface Counter {
  value: number;
  expiresAt: number;
}

interface SingleUseValue {
  value: string;
  expiresAt: number;
}

interface Mark {
  expiresAt: number;
}

interface Owner {
  userId: string;
  /** The session's absolute deadline. */
  expiresAt: number;
  storedAt: number;
}

interface StoredSession {
  record: SessionRecord;
  storedAt: number;
}

const COUNTER = "counter";
const VALUE = "value";
const MARK = "mark";
const OWNER = "owner";
const SESSION = "s:";

function positiveSeconds(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of seconds`);
  return value * 1000;
}

function sessionDue(stored: StoredSession): number {
  const end = Math.min(stored.record.expiresAt.getTime(), stored.record.idleExpiresAt.getTime());
  return Math.max(end, stored.storedAt) + SESSION_RETENTION_MS;
}

function ownerDue(owner: Owner): number {
  return Math.max(owner.expiresAt, owner.storedAt) + SESSION_RETENTION_MS;
}

/** When a stored entry may be removed; null for keys this class does not write. */
function dueTime(key: string, value: unknown): number | null {
  if (key === COUNTER || key === VALUE || key === MARK) return (value as { expiresAt: number }).expiresAt;
  if (key === OWNER) return ownerDue(value as Owner);
  if (key.startsWith(SESSION)) return sessionDue(value as StoredSession);
  return null;
}

function byCreatedAt(a: SessionRecord, b: SessionRecord): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Moves the alarm earlier when `due` comes before it (an early alarm just reschedules). */
async function schedule(storage: DurableObjectStorageLike, due: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || due < current) await storage.setAlarm(due);
}

async function deleteKeys(storage: DurableObjectStorageLike, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_BATCH) await storage.delete(keys.slice(i, i + DELETE_BATCH));
}

/**
 * Removes every entry due at `now` and sets the alarm for the next one; an
 * object left empty deletes its storage entirely (an empty Durable Object costs
 * nothing). What the alarm runs; exported so tests can sweep "later" without waiting.
 */
export async function sweepStorage(storage: DurableObjectStorageLike, now: number): Promise<void> {
  const entries = await storage.list<unknown>();
  const dead: string[] = [];
  let next = Infinity;
  for (const [key, value] of entries) {
    const due = dueTime(key, value);
    if (due === null) continue;
    if (due <= now) dead.push(key);
    else next = Math.min(next, due);
  }
  if (dead.length === entries.size) {
    await storage.deleteAll();
    await storage.deleteAlarm();
    return;
  }
  await deleteKeys(storage, dead);
  if (next === Infinity) await storage.deleteAlarm();
  else await storage.setAlarm(next);
}

/**
 * The Durable Object behind `doSessionStore`, `doCounterStore` and
 * `doSingleUseStore`. Export it from your Worker entry and bind it:
 *
 *   export { PortcullisStore } from "portcullis/adapters/durable-object";
 *   // wrangler.jsonc
 *   "durable_objects": { "bindings": [{ "name": "PORTCULLIS", "class_name": "PortcullisStore" }] },
 *   "migrations": [{ "tag": "v1", "new_sqlite_classes": ["PortcullisStore"] }]
 *
 * Why each method is atomic: a Durable Object runs one event at a time, and its
 * input gate delivers no other event while a storage call is in flight, so a
 * `get` followed by a `put` (with no other kind of await in between) cannot
 * interleave with another call. Every method below is such a sequence.
 *
 * Clock: `Date.now()` of this object. In workerd it advances only between I/O
 * events, and each RPC call is one, so every call sees the time it arrived at;
 * one object has one clock, so windows and TTLs for a key are decided consistently.
 *
 * Storage: the transactional key-value API, which works on both SQLite-backed
 * (recommended, required on the Free plan) and key-value-backed objects.
 */
export class PortcullisStore extends DurableObject implements PortcullisStoreRPC {
  private readonly storage: DurableObjectStorageLike;

  constructor(ctx: DurableObjectStateLike, env: unknown) {
    // `as never`: the base class's parameter types differ between our minimal declaration and @cloudflare/workers-types.
    super(ctx as never, env as never);
    this.storage = ctx.storage;
  }

  async alarm(): Promise<void> {
    await sweepStorage(this.storage, Date.now());
  }

  // Counters: one object per counter key; a fixed window opened by the first increment.

  async counterIncrement(windowSeconds: number): Promise<number> {
    const windowMs = positiveSeconds("windowSeconds", windowSeconds);
    const now = Date.now();
    const current = await this.storage.get<Counter>(COUNTER);
    if (current === undefined || current.expiresAt <= now) {
      const opened: Counter = { value: 1, expiresAt: now + windowMs };
      await this.storage.put(COUNTER, opened);
      await schedule(this.storage, opened.expiresAt);
      return 1;
    }
    const next: Counter = { value: current.value + 1, expiresAt: current.expiresAt };
    await this.storage.put(COUNTER, next);
    return next.value;
  }

  async counterGet(): Promise<number> {
    const current = await this.storage.get<Counter>(COUNTER);
    return current !== undefined && current.expiresAt > Date.now() ? current.value : 0;
  }

  async counterReset(): Promise<void> {
    await this.storage.deleteAll();
    await this.storage.deleteAlarm();
  }

  // Single-use values and replay marks: one object per key.

  async singleUsePut(value: string, ttlSeconds: number): Promise<void> {
    const entry: SingleUseValue = { value, expiresAt: Date.now() + positiveSeconds("ttlSeconds", ttlSeconds) };
    await this.storage.put(VALUE, entry);
    await schedule(this.storage, entry.expiresAt);
  }

  async singleUseConsume(): Promise<string | null> {
    const entry = await this.storage.get<SingleUseValue>(VALUE);
    if (entry === undefined) return null;
    await this.storage.delete(VALUE);
    return entry.expiresAt > Date.now() ? entry.value : null;
  }

  async singleUseClaim(ttlSeconds: number): Promise<boolean> {
    const ttlMs = positiveSeconds("ttlSeconds", ttlSeconds);
    const now = Date.now();
    const mark = await this.storage.get<Mark>(MARK);
    if (mark !== undefined && mark.expiresAt > now) return false;
    const claimed: Mark = { expiresAt: now + ttlMs };
    await this.storage.put(MARK, claimed);
    await schedule(this.storage, claimed.expiresAt);
    return true;
  }

  // Session-id -> user-id pointers: one object per session id (see session-store.ts).

  async ownerClaim(userId: string, expiresAt: number): Promise<boolean> {
    const now = Date.now();
    const current = await this.storage.get<Owner>(OWNER);
    // Another user's pointer blocks the id until it is collectable: only then is its session surely dead.
    if (current !== undefined && current.userId !== userId && ownerDue(current) > now) return false;
    const keep = current !== undefined && current.userId === userId ? current.expiresAt : -Infinity;
    const owner: Owner = { userId, expiresAt: Math.max(keep, expiresAt), storedAt: now };
    await this.storage.put(OWNER, owner);
    await schedule(this.storage, ownerDue(owner));
    return true;
  }

  async ownerGet(): Promise<string | null> {
    return (await this.storage.get<Owner>(OWNER))?.userId ?? null;
  }

  // One user's sessions: one object per user id.

  async sessionsCreate(session: SessionRecord, limit: SessionLimit | null): Promise<SessionCreateOutcome> {
    const key = SESSION + session.id;
    if ((await this.storage.get<StoredSession>(key)) !== undefined) return { status: "duplicate" };
    const now = Date.now();
    let evicted: string[] = [];
    if (limit !== null) {
      if (!Number.isInteger(limit.max) || limit.max < 1) throw new RangeError("the session limit must be an integer >= 1");
      // Dead sessions (by this object's clock) do not count and are left to the alarm.
      const live = [...(await this.storage.list<StoredSession>({ prefix: SESSION })).values()]
        .map((stored) => stored.record)
        .filter((record) => record.expiresAt.getTime() > now && record.idleExpiresAt.getTime() > now)
        .sort(byCreatedAt);
      const excess = live.length + 1 - limit.max;
      if (excess > 0) {
        if (limit.onLimit === "refuse") return { status: "limit_reached" };
        evicted = live.slice(0, excess).map((record) => record.id);
        await deleteKeys(this.storage, evicted.map((id) => SESSION + id));
      }
    }
    const stored: StoredSession = { record: session, storedAt: now };
    await this.storage.put(key, stored);
    await schedule(this.storage, sessionDue(stored));
    return { status: "created", evicted };
  }

  async sessionsGet(id: string): Promise<SessionRecord | null> {
    return (await this.storage.get<StoredSession>(SESSION + id))?.record ?? null;
  }

  async sessionsTouch(id: string, idleExpiresAt: Date): Promise<boolean> {
    const key = SESSION + id;
    const stored = await this.storage.get<StoredSession>(key);
    if (stored === undefined) return false;
    // The alarm already set for the old deadline comes earlier; when it fires it reschedules.
    await this.storage.put(key, { record: { ...stored.record, idleExpiresAt }, storedAt: Date.now() } satisfies StoredSession);
    return true;
  }

  async sessionsDelete(id: string): Promise<boolean> {
    return this.storage.delete(SESSION + id);
  }

  async sessionsList(): Promise<SessionRecord[]> {
    const stored = await this.storage.list<StoredSession>({ prefix: SESSION });
    return [...stored.values()].map((entry) => entry.record).sort(byCreatedAt);
  }

  async sessionsDeleteAll(): Promise<void> {
    await this.storage.deleteAll();
    await this.storage.deleteAlarm();
  }
}
