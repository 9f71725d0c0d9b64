/**
 * A counting semaphore for bounding memory-hard work per isolate.
 *
 * Argon2id at m=19456 holds 19 MiB per hash in flight; a Workers isolate has 128 MB for
 * everything. Excess callers queue (FIFO) and are never rejected: turning load into 5xx would
 * hand an attacker a cheap sign-in outage. Instances are created per hasher by its factory,
 * never at module level, so nothing is shared by accident.
 */
import type { PasswordHasher } from "../../ports/password-hasher.js";

export interface Semaphore {
  readonly limit: number;
  /** Runs `task` once a slot is free; the slot is released however `task` ends. */
  run<T>(task: () => Promise<T> | T): Promise<T>;
  /** Tasks running now (for tests and metrics). */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

export function createSemaphore(limit: number): Semaphore {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("Semaphore limit must be an integer >= 1");
  let active = 0;
  const queue: Array<() => void> = [];

  function release(): void {
    const next = queue.shift();
    // Hand the slot straight to the next waiter so a newcomer cannot overtake the queue.
    if (next) next();
    else active--;
  }

  return {
    limit,
    get active(): number {
      return active;
    },
    get waiting(): number {
      return queue.length;
    },
    async run<T>(task: () => Promise<T> | T): Promise<T> {
      if (active < limit) active++;
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}

/** Wraps `hash` and `verify` so at most `semaphore.limit` of them run at once. */
export function withConcurrencyLimit(hasher: PasswordHasher, semaphore: Semaphore): PasswordHasher {
  return {
    id: hasher.id,
    hash: (password: string): Promise<string> => semaphore.run(() => hasher.hash(password)),
    verify: (hash: string, password: string): Promise<boolean> => semaphore.run(() => hasher.verify(hash, password)),
    // Parsing only; no reason to queue behind hashes.
    needsRehash: (hash: string): boolean => hasher.needsRehash(hash),
  };
}
