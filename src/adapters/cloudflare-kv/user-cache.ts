import { sha256Base64Url } from "../../core/encoding.js";
import { ConfigurationError } from "../../core/errors.js";
import type { NewCredential } from "../../ports/credential-store.js";
import type { NewUser, User, UserPatch, UserStore } from "../../ports/user-store.js";
import { createStorageGuard } from "../storage-guard.js";
import { KV_MIN_TTL_SECONDS, type KVNamespaceLike } from "./kv-namespace.js";

export interface KVCachedUserStoreOptions {
  /** How long a cached user may be served, at least 60 (KV's floor). Reads can be stale for this plus KV's ~60 s propagation. */
  ttlSeconds: number;
  /** Prepended to every key. Default "portcullis:". */
  prefix?: string;
}

interface StoredUser {
  id: string;
  kind: User["kind"];
  email: string;
  emailVerified: boolean;
  name: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Only invalidation is guarded: a failed cache read or fill falls through to `inner` instead. */
const guard = createStorageGuard({ label: "kv" });

function toStored(user: User): StoredUser {
  return { ...user, createdAt: user.createdAt.getTime(), updatedAt: user.updatedAt.getTime() };
}

/** Null for anything that is not a user we wrote: a bad cache entry is a miss, not an error. */
function fromStored(value: unknown): User | null {
  const v = value as Partial<StoredUser> | null;
  if (v === null || typeof v !== "object") return null;
  const valid =
    typeof v.id === "string" &&
    (v.kind === "user" || v.kind === "service") &&
    typeof v.email === "string" &&
    typeof v.emailVerified === "boolean" &&
    (v.name === null || typeof v.name === "string") &&
    typeof v.createdAt === "number" &&
    typeof v.updatedAt === "number";
  if (!valid) return null;
  return { id: v.id!, kind: v.kind!, email: v.email!, emailVerified: v.emailVerified!, name: v.name!, createdAt: new Date(v.createdAt!), updatedAt: new Date(v.updatedAt!) };
}

/**
 * A read-through KV cache in front of an authoritative `UserStore` (D1, Postgres...),
 * for the read path: `authenticate` loads the user by id on every request with
 * opaque sessions, and a KV hit is served from the local edge cache.
 *
 * `findById` and `findByEmail` read KV first and fill it from `inner` on a miss
 * (a missing user is never cached, so a fresh sign-up is found at once). Writes go
 * to `inner`, then delete the affected cache keys. KV cannot delete everywhere at
 * once, so **a cached read can be stale for up to `ttlSeconds` plus KV's propagation
 * delay (about 60 s)**: after an email change the old address may still find the
 * user, after `emailVerified` flips the old value may be served, after account
 * deletion `findById` may still return the user. The wrapper therefore declares
 * `consistency: "eventual"` whatever `inner` declares, and `createAuth` refuses it
 * for plugins that need an atomic users store. Do not put it where those windows matter.
 *
 * Email keys are SHA-256 hashes of the address: no addresses in KV key listings.
 * A KV failure on a read falls through to `inner` (the source of truth); a KV
 * failure while invalidating after a write is a `StorageError`, because the write
 * happened but the cache may keep serving the old user.
 */
export function kvCachedUserStore(inner: UserStore, namespace: KVNamespaceLike, options: KVCachedUserStoreOptions): UserStore {
  const { ttlSeconds } = options;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < KV_MIN_TTL_SECONDS) {
    throw new ConfigurationError(`kvCachedUserStore: ttlSeconds must be an integer of at least ${KV_MIN_TTL_SECONDS}`);
  }
  const prefix = options.prefix ?? "portcullis:";
  const idKey = (id: string): string => `${prefix}user:id:${encodeURIComponent(id)}`;
  const emailKey = async (email: string): Promise<string> => `${prefix}user:email:${await sha256Base64Url(email)}`;

  async function cached(key: string): Promise<User | null> {
    try {
      return fromStored(await namespace.get(key, "json"));
    } catch {
      return null;
    }
  }

  async function fill(key: string, user: User): Promise<void> {
    try {
      await namespace.put(key, JSON.stringify(toStored(user)), { expirationTtl: ttlSeconds });
    } catch {
      // A failed fill only costs the next read another trip to `inner`.
    }
  }

  async function invalidate(operation: string, users: readonly (User | null)[]): Promise<void> {
    const keys = new Set<string>();
    for (const user of users) {
      if (user === null) continue;
      keys.add(idKey(user.id));
      keys.add(await emailKey(user.email));
    }
    // "kv users.update cache invalidation failed": the write itself happened, the cache may be stale.
    await guard(`users.${operation} cache invalidation`, () => Promise.all([...keys].map((key) => namespace.delete(key))));
  }

  return {
    consistency: "eventual",

    async create(user: NewUser, credentials: readonly NewCredential[]): Promise<User> {
      // Nothing to invalidate: misses are never cached by us.
      return inner.create(user, credentials);
    },

    async findById(id: string): Promise<User | null> {
      const key = idKey(id);
      const hit = await cached(key);
      if (hit !== null && hit.id === id) return hit;
      const user = await inner.findById(id);
      if (user !== null) await fill(key, user);
      return user;
    },

    async findByEmail(email: string): Promise<User | null> {
      const key = await emailKey(email);
      const hit = await cached(key);
      if (hit !== null && hit.email === email) return hit;
      const user = await inner.findByEmail(email);
      if (user !== null) await fill(key, user);
      return user;
    },

    async update(id: string, patch: UserPatch): Promise<User | null> {
      // The old email's key must go too, and only `inner` knows the old email for sure.
      const before = await inner.findById(id);
      const after = await inner.update(id, patch);
      await invalidate("update", [before, after]);
      return after;
    },

    async delete(id: string): Promise<void> {
      const before = await inner.findById(id);
      await inner.delete(id);
      await invalidate("delete", [before]);
    },
  };
}
