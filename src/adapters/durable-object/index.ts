/**
 * Durable Object stores: the strongly consistent option on Cloudflare for
 * sessions (with per-user limits), rate counters and single-use tokens. Export
 * `PortcullisStore` from your Worker entry, bind it, and pass the binding to the
 * factories. See README.md next to this file for the design.
 */
import type { DurableObjectStateLike, DurableObjectStorageLike, PortcullisStoreNamespace, PortcullisStoreRPC } from "./durable-object-types.js";
import { doCounterStore, doSingleUseStore } from "./atomic-stores.js";
import type { DurableObjectStoreOptions } from "./routing.js";
import { type DOSessionStore, type DOSessionStoreOptions, doSessionStore } from "./session-store.js";
import type { CounterStore } from "../../ports/counter-store.js";
import type { SingleUseStore } from "../../ports/single-use-store.js";

import { PortcullisStore as StoreObject, SESSION_RETENTION_MS as RETENTION_MS, sweepStorage as sweep } from "./store-object.js";

/** The Durable Object class, as its public type: `new (ctx, env)` with the RPC methods and the alarm. */
export type PortcullisStoreClass = new (ctx: DurableObjectStateLike, env: unknown) => PortcullisStoreRPC & { alarm(): Promise<void> };

/**
 * The Durable Object behind the stores below: export it from your Worker entry and bind it
 * (README.md next to this file). Typed structurally so these declarations do not depend on
 * "cloudflare:workers" types: an app without @cloudflare/workers-types type-checks too.
 */
export const PortcullisStore: PortcullisStoreClass = StoreObject;
/** How long an expired session or pointer stays before the alarm removes it. */
export const SESSION_RETENTION_MS: number = RETENTION_MS;
/** Removes every entry due at `now` and sets the alarm for the next one (what the alarm runs). */
export const sweepStorage: (storage: DurableObjectStorageLike, now: number) => Promise<void> = sweep;
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
