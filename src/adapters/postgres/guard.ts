import type { ConflictError, StorageError } from "../../core/errors.js";
import { postgresStorageError } from "./errors.js";

/** Runs one store operation: maps its failure, and gives up when the database does not answer in time. */
export type Guard = <T>(operation: string, run: () => Promise<T>, mapError?: (operation: string, error: unknown) => StorageError | ConflictError) => Promise<T>;

/** Five seconds: room for a cold connection through Hyperdrive, short enough that a request fails closed quickly. */
export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * A deadline on every call, whatever the driver is doing: postgres.js waits up to
 * `connect_timeout` (30 s by default) for a connection, and after failed attempts
 * backs off up to 20 s before the next one, so without this a down database would
 * hold requests far longer than "a few seconds". On expiry the call rejects with
 * `StorageError` (the caller fails closed); the query itself is abandoned, not
 * cancelled, so a write that timed out may still land, as with any lost reply.
 */
export function createGuard(timeoutMs: number = DEFAULT_TIMEOUT_MS): Guard {
  return async <T>(operation: string, run: () => Promise<T>, mapError = postgresStorageError): Promise<T> => {
    const timedOut = Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "TIMEOUT" });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut), timeoutMs);
    });
    try {
      return await Promise.race([run(), deadline]);
    } catch (error) {
      throw error === timedOut ? postgresStorageError(operation, error) : mapError(operation, error);
    } finally {
      clearTimeout(timer);
    }
  };
}
