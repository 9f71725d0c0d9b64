import { createStorageGuard, type StorageGuard } from "../storage-guard.js";
import type { PortcullisStoreNamespace, PortcullisStoreRPC } from "./durable-object-types.js";

/** The first word of every Durable Object `StorageError` message. */
export const DO_LABEL = "durable-object";

export interface DurableObjectStoreOptions {
  /**
   * Prepended to every object name, so several apps (or test runs) can share
   * one namespace without sharing state. Default "portcullis:".
   */
  prefix?: string;
}

/** The object that owns `name`: `idFromName` always maps one name to the same single instance worldwide. */
export function objectFor(namespace: PortcullisStoreNamespace, name: string): PortcullisStoreRPC {
  return namespace.get(namespace.idFromName(name));
}

/**
 * Runs one call to a Durable Object. Whatever it throws (the object threw, was
 * reset, overloaded, or unreachable) becomes a `StorageError` naming only the
 * operation, so the caller fails closed with a 503 (an `AuthError` of ours passes
 * as it is). No retry: a write such as `increment` or `consume` may have happened
 * before the error reached us.
 */
export const call: StorageGuard = createStorageGuard({ label: DO_LABEL, authErrors: "rethrow" });
