import { createStorageGuard, type StorageGuard } from "../storage-guard.js";
import { safeDriverError } from "./errors.js";

/** Five seconds: room for a cold connection through Hyperdrive, short enough that a request fails closed quickly. */
export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * The guard for every PostgreSQL store call: "postgres <operation> failed", the cause
 * reduced to `safeDriverError`, and a deadline on every call whatever the driver is
 * doing: postgres.js waits up to `connect_timeout` (30 s by default) for a connection,
 * and after failed attempts backs off up to 20 s before the next one, so without this a
 * down database would hold requests far longer than "a few seconds". On expiry the call
 * rejects with `StorageError` (the caller fails closed); the query itself is abandoned,
 * not cancelled, so a write that timed out may still land, as with any lost reply.
 */
export function postgresGuard(timeoutMs: number = DEFAULT_TIMEOUT_MS): StorageGuard {
  return createStorageGuard({ label: "postgres", redact: safeDriverError, timeoutMs });
}
