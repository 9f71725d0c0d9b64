import type { CounterStore } from "../../ports/counter-store.js";
import type { SingleUseStore } from "../../ports/single-use-store.js";
import type { PortcullisStoreNamespace } from "./durable-object-types.js";
import { call, type DurableObjectStoreOptions, objectFor } from "./routing.js";

/**
 * Rate counters on Durable Objects: one object per counter key, so a key's
 * increments are serialised by the object itself (no lost updates) and keys
 * never contend with each other. One DO call per operation. The window follows
 * the object's clock; its alarm deletes the counter when the window ends.
 */
export function doCounterStore(namespace: PortcullisStoreNamespace, options: DurableObjectStoreOptions = {}): CounterStore {
  const prefix = options.prefix ?? "portcullis:";
  const counter = (key: string): ReturnType<typeof objectFor> => objectFor(namespace, `${prefix}counter:${key}`);
  return {
    consistency: "atomic",
    increment: (key: string, windowSeconds: number): Promise<number> => call("counters.increment", () => counter(key).counterIncrement(windowSeconds)),
    get: (key: string): Promise<number> => call("counters.get", () => counter(key).counterGet()),
    reset: (key: string): Promise<void> => call("counters.reset", () => counter(key).counterReset()),
  };
}

/**
 * Single-use values and replay marks on Durable Objects: one object per key, so
 * of any number of concurrent `consume` (or `claim`) calls exactly one wins.
 * One DO call per operation. TTLs follow the object's clock; its alarm deletes
 * expired values and marks.
 */
export function doSingleUseStore(namespace: PortcullisStoreNamespace, options: DurableObjectStoreOptions = {}): SingleUseStore {
  const prefix = options.prefix ?? "portcullis:";
  const slot = (key: string): ReturnType<typeof objectFor> => objectFor(namespace, `${prefix}single-use:${key}`);
  return {
    consistency: "atomic",
    put: (key: string, value: string, ttlSeconds: number): Promise<void> => call("singleUse.put", () => slot(key).singleUsePut(value, ttlSeconds)),
    consume: (key: string): Promise<string | null> => call("singleUse.consume", () => slot(key).singleUseConsume()),
    claim: (key: string, ttlSeconds: number): Promise<boolean> => call("singleUse.claim", () => slot(key).singleUseClaim(ttlSeconds)),
  };
}
