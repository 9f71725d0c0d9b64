/**
 * The one storage-error guard every adapter runs its store calls through (README, "Failures
 * are bounded"). A backend failure becomes a `StorageError` (503, fail closed) whose message
 * names the backend and the operation only ("postgres users.create failed"), never a value.
 * What may be kept as the `cause` differs per backend, so redaction is plugged in, not
 * shared: Drizzle's `DrizzleQueryError` lists the bound parameters, postgres.js attaches the
 * query and its parameters, an Upstash error repeats the whole command. Edge-safe: no `node:*`.
 */
import { AuthError, ConflictError, StorageError } from "../core/errors.js";

/**
 * Recognises a failure that is the caller's conflict rather than an outage (a unique
 * violation on an email or a credential identifier); null for anything else.
 */
export type ConflictMapper = (error: unknown) => ConflictError | null;

/** Runs one store operation and rejects with `StorageError` (or the conflict `conflict` recognises) when it fails. */
export type StorageGuard = <T>(operation: string, run: () => Promise<T>, conflict?: ConflictMapper) => Promise<T>;

export interface StorageGuardOptions {
  /** The backend, the first word of every message: "d1", "postgres", "redis", "kv", ... */
  label: string;
  /** What of a backend error may be kept as the `cause`. Default: the error as thrown (its message carries no value). */
  redact?: (error: unknown) => unknown;
  /**
   * Give up after this many ms: the call rejects with `StorageError` (cause: an Error with
   * code "TIMEOUT") while the operation itself is abandoned, not cancelled. Default: no deadline.
   */
  timeoutMs?: number;
  /**
   * "rethrow": an `AuthError` the operation throws on purpose (KV's malformed record, a
   * Durable Object's duplicate id) reaches the caller unchanged. "wrap" (default): every
   * failure becomes this guard's `StorageError`, whatever it was.
   */
  authErrors?: "rethrow" | "wrap";
}

/** The error for a failed store call; for failures an adapter detects itself (a duplicate id, a malformed record). */
export function storageError(label: string, operation: string, cause: unknown): StorageError {
  return new StorageError(`${label} ${operation} failed`, { cause });
}

/** A unique violation on the users' email: the same answer on every SQL backend. */
export function emailTaken(): ConflictError {
  return new ConflictError("email already registered");
}

/** A unique violation on a credential's (type, identifier): bound to another account already. */
export function credentialTaken(): ConflictError {
  return new ConflictError("credential already bound to an account", "credential_taken");
}

/**
 * `run()` against a timer: rejects with what `expired()` returns when `run` has not settled
 * after `timeoutMs`. Nothing is cancelled here; `expired` may abort the work itself.
 */
export async function withDeadline<T>(run: () => Promise<T>, timeoutMs: number, expired: () => unknown): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(expired()), timeoutMs);
  });
  try {
    return await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a call that missed its deadline is rejected with, as the `StorageError`'s cause (before `redact`). */
function timeoutError(timeoutMs: number): Error {
  return Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "TIMEOUT" });
}

/** A guard for one backend; stateless, so one guard may serve every store of that backend. */
export function createStorageGuard(options: StorageGuardOptions): StorageGuard {
  const { label, timeoutMs } = options;
  const redact = options.redact ?? ((error: unknown): unknown => error);
  const rethrowAuthErrors = options.authErrors === "rethrow";

  return async <T>(operation: string, run: () => Promise<T>, conflict?: ConflictMapper): Promise<T> => {
    // Made when the timer fires, not per call: the read path runs through here on every request.
    let timedOut: Error | undefined;
    try {
      if (timeoutMs === undefined) return await run();
      return await withDeadline(run, timeoutMs, () => (timedOut = timeoutError(timeoutMs)));
    } catch (error) {
      if (rethrowAuthErrors && error instanceof AuthError) throw error;
      const conflictError = timedOut !== undefined && error === timedOut ? null : (conflict?.(error) ?? null);
      throw conflictError ?? storageError(label, operation, redact(error));
    }
  };
}
