/**
 * Cloudflare Workers KV adapters. Everything here is `consistency: "eventual"`:
 * KV takes about 60 s to carry a write to every location. See README.md next to
 * this file before using KV for sessions.
 */
export type { KVListKeyLike, KVListResultLike, KVNamespaceLike, KVPutOptionsLike } from "./kv-namespace.js";
export { type KVSessionStoreOptions, kvSessionStore } from "./session-store.js";
export { type KVCachedUserStoreOptions, kvCachedUserStore } from "./user-cache.js";
