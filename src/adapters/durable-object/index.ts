/**
 * Durable Object stores: the strongly consistent option on Cloudflare for
 * sessions (with per-user limits), rate counters and single-use tokens. Export
 * `PortcullisStore` from your Worker entry, bind it, and pass the binding to the
 * factories. See README.md next to this file for the design.
 */
import type { PortcullisStoreNamespace } from "./durable-object-types.js";
import { doCounterStore, doSingleUseStore } from "./atomic-stores.js";
import type { DurableObjectStoreOptions } from "./routing.js";
import { type DOSessionStore, type DOSessionStoreOptions, doSessionStore } from "./session-store.js";
import type { CounterStore } from "../../ports/counter-store.js";
import type { SingleUseStore } from "../../ports/single-use-store.js";

export { PortcullisStore, SESSION_RETENTION_MS, sweepStorage } from "./store-object.js";
export type {
  DurableObjectStateLike,
  DurableObjectStorageLike,
  PortcullisStoreNamespace,
  PortcullisStoreRPC,
  SessionCreateOutcome,
  SessionLimit,
} from "./durable-object-types.js";
export type { DurableObjectStoreOptions } from "./routing.js";
export { doCounterStore, doSingleUseStore } from "./atomic-stores.js";
export { type DOSessionStore, type DOSessionStoreOptions, type SessionLimitOptions, type SessionLimitResult, doSessionStore } from "./session-store.js";

export interface DOStores {
  sessions: DOSessionStore;
  counters: CounterStore;
  singleUse: SingleUseStore;
}

/** The three atomic stores on one namespace; pair with a users/credentials/audit backend (D1, Postgres...). */
export function doStores(namespace: PortcullisStoreNamespace, options: DOSessionStoreOptions & DurableObjectStoreOptions = {}): DOStores {
  return {
    sessions: doSessionStore(namespace, options),
    counters: doCounterStore(namespace, options),
    singleUse: doSingleUseStore(namespace, options),
  };
}
