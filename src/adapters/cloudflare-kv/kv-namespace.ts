/**
 * The part of Cloudflare's `KVNamespace` the KV adapters use, declared
 * structurally so the library needs no global `@cloudflare/workers-types`
 * (tsconfig keeps `types: []`). `env.SESSIONS` from a Worker satisfies it as is.
 */
export interface KVListKeyLike {
  name: string;
  /** Absolute expiry in seconds since the epoch, when the key has one. */
  expiration?: number;
  metadata?: unknown;
}

export interface KVListResultLike {
  keys: KVListKeyLike[];
  list_complete: boolean;
  cursor?: string;
}

export interface KVPutOptionsLike {
  /** Seconds from now; KV refuses anything under 60. */
  expirationTtl?: number;
  /** At most 1024 bytes once serialised as JSON. */
  metadata?: unknown;
}

export interface KVNamespaceLike {
  get(key: string, type: "json"): Promise<unknown>;
  /** Bulk read (up to 100 keys): one subrequest, billed per key. */
  get(keys: string[], type: "json"): Promise<Map<string, unknown>>;
  put(key: string, value: string, options?: KVPutOptionsLike): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { prefix: string; cursor?: string | null; limit?: number }): Promise<KVListResultLike>;
}

/** KV's floor for `expirationTtl`. */
export const KV_MIN_TTL_SECONDS = 60;

/** KV's ceiling for one bulk `get`. */
export const KV_BULK_GET_LIMIT = 100;

/** `expirationTtl` for something that should live until `until`: never under KV's 60 s floor. */
export function ttlUntil(until: number, now: number): number {
  return Math.max(KV_MIN_TTL_SECONDS, Math.ceil((until - now) / 1000));
}

/** Bulk-reads any number of keys as JSON, 100 at a time (each chunk is one subrequest). */
export async function getMany(kv: KVNamespaceLike, keys: readonly string[]): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += KV_BULK_GET_LIMIT) chunks.push(keys.slice(i, i + KV_BULK_GET_LIMIT));
  const results = await Promise.all(chunks.map((chunk) => kv.get(chunk, "json")));
  for (const result of results) for (const [key, value] of result) found.set(key, value);
  return found;
}

/** Every key under `prefix`, following list cursors. */
export async function listAll(kv: KVNamespaceLike, prefix: string): Promise<KVListKeyLike[]> {
  const keys: KVListKeyLike[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await kv.list(cursor === undefined ? { prefix } : { prefix, cursor });
    keys.push(...page.keys);
    if (page.list_complete || page.cursor === undefined || page.cursor === "") return keys;
    cursor = page.cursor;
  }
}
