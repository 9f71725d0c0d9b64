import { systemClock, type Clock } from "../../core/context.js";
import type { CounterStore } from "../../ports/counter-store.js";

/**
 * Fixed-window counters in one isolate's memory. Atomic because JavaScript runs one
 * call to completion: there is no await between the read and the write.
 */
export function memoryCounterStore(options: { clock?: Clock } = {}): CounterStore {
  const clock = options.clock ?? systemClock;
  const counters = new Map<string, { value: number; expiresAt: number }>();

  function live(key: string, now: number): { value: number; expiresAt: number } | undefined {
    const entry = counters.get(key);
    if (entry !== undefined && entry.expiresAt <= now) {
      counters.delete(key);
      return undefined;
    }
    return entry;
  }

  return {
    consistency: "atomic",
    async increment(key: string, windowSeconds: number): Promise<number> {
      const now = clock.now().getTime();
      const entry = live(key, now);
      if (entry === undefined) {
        counters.set(key, { value: 1, expiresAt: now + windowSeconds * 1000 });
        return 1;
      }
      entry.value += 1;
      return entry.value;
    },
    async get(key: string): Promise<number> {
      return live(key, clock.now().getTime())?.value ?? 0;
    },
    async reset(key: string): Promise<void> {
      counters.delete(key);
    },
  };
}
