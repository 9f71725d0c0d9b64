import type { Store } from "./consistency.js";

/**
 * Things that may happen at most once: magic-link and email-verification tokens,
 * refresh-token rotation, OTP time steps, replayed JWT ids. Keys are chosen by the
 * caller (a hash of the secret, never the secret). Only an `atomic` store may back it.
 */
export interface SingleUseStore extends Store {
  /** Stores `value` under `key` for `ttlSeconds`, replacing any earlier value. */
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  /**
   * Returns the value and removes it in one atomic step: of any number of concurrent
   * callers exactly one gets the value, the others null. Null when absent or expired.
   */
  consume(key: string): Promise<string | null>;
  /**
   * Marks `key` used for `ttlSeconds` if it is not already: true for exactly one caller,
   * false for every other until the mark expires (replay detection).
   */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
}
