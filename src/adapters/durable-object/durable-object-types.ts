import type { SessionRecord } from "../../ports/session-store.js";

/**
 * The parts of the Durable Object runtime the adapter touches, declared
 * structurally (tsconfig keeps `types: []`, as the D1 adapter does). A real
 * `DurableObjectState` / `DurableObjectNamespace` satisfies them.
 */
export interface DurableObjectStorageLike {
  get<T>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** At most 128 keys a call. */
  delete(keys: string[]): Promise<number>;
  deleteAll(): Promise<void>;
  list<T>(options?: { prefix?: string }): Promise<Map<string, T>>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
  deleteAlarm(): Promise<void>;
}

export interface DurableObjectStateLike {
  readonly storage: DurableObjectStorageLike;
}

/** What `sessionsCreate` enforces when called through `createWithLimit`. */
export interface SessionLimit {
  /** Most live sessions one user may hold, the new one included (an integer >= 1). */
  max: number;
  /** "evict-oldest" deletes the oldest live sessions to make room; "refuse" creates nothing. */
  onLimit: "evict-oldest" | "refuse";
}

export type SessionCreateOutcome = { status: "created"; evicted: string[] } | { status: "duplicate" } | { status: "limit_reached" };

/**
 * The RPC surface of `PortcullisStore`: what the clients call on a stub. Each
 * object instance plays one role, chosen by the name the client routes to:
 * a counter, a single-use key, a session-id -> user-id pointer, or one user's sessions.
 * Times cross the wire as epoch milliseconds or `Date`s (RPC uses structured clone).
 */
export interface PortcullisStoreRPC {
  counterIncrement(windowSeconds: number): Promise<number>;
  counterGet(): Promise<number>;
  counterReset(): Promise<void>;

  singleUsePut(value: string, ttlSeconds: number): Promise<void>;
  singleUseConsume(): Promise<string | null>;
  singleUseClaim(ttlSeconds: number): Promise<boolean>;

  /** True when this session id is now (or already was) owned by `userId`; false when another user owns it. */
  ownerClaim(userId: string, expiresAt: number): Promise<boolean>;
  ownerGet(): Promise<string | null>;

  sessionsCreate(session: SessionRecord, limit: SessionLimit | null): Promise<SessionCreateOutcome>;
  sessionsGet(id: string): Promise<SessionRecord | null>;
  /** True when the session existed. */
  sessionsTouch(id: string, idleExpiresAt: Date): Promise<boolean>;
  /** True when the session existed. */
  sessionsDelete(id: string): Promise<boolean>;
  sessionsList(): Promise<SessionRecord[]>;
  sessionsDeleteAll(): Promise<void>;
}

/**
 * A Durable Object namespace bound to `PortcullisStore` (`env.PORTCULLIS`).
 * Method syntax on purpose: a real `DurableObjectNamespace<PortcullisStore>` is
 * assignable even though its ids are `DurableObjectId`s.
 */
export interface PortcullisStoreNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): PortcullisStoreRPC;
}
