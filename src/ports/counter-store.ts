import type { Store } from "./consistency.js";

/**
 * Counters for rate limits and attempt budgets. Only an `atomic` store may back
 * them: a read-modify-write on an eventually consistent store loses updates.
 */
export interface CounterStore extends Store {
  /**
   * Adds one to the counter at `key` and returns the new value. The first increment
   * opens a fixed window of `windowSeconds`; when the window ends the counter is gone
   * and the next increment returns 1. No lost updates: N concurrent increments of one
   * key return 1..N, each exactly once.
   */
  increment(key: string, windowSeconds: number): Promise<number>;
  /** The current value; 0 when absent or expired. */
  get(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}
