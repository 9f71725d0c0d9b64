import { systemClock, type Clock } from "../../core/context.js";
import type { SingleUseStore } from "../../ports/single-use-store.js";

/** Single-use values and replay marks in one isolate's memory; TTLs follow the injected clock. */
export function memorySingleUseStore(options: { clock?: Clock } = {}): SingleUseStore {
  const clock = options.clock ?? systemClock;
  const values = new Map<string, { value: string; expiresAt: number }>();
  const marks = new Map<string, number>();

  return {
    consistency: "atomic",
    async put(key: string, value: string, ttlSeconds: number): Promise<void> {
      values.set(key, { value, expiresAt: clock.now().getTime() + ttlSeconds * 1000 });
    },
    async consume(key: string): Promise<string | null> {
      const entry = values.get(key);
      // Deleted before anything can interleave: the first caller takes it, whatever it finds.
      values.delete(key);
      return entry !== undefined && entry.expiresAt > clock.now().getTime() ? entry.value : null;
    },
    async claim(key: string, ttlSeconds: number): Promise<boolean> {
      const now = clock.now().getTime();
      const until = marks.get(key);
      if (until !== undefined && until > now) return false;
      marks.set(key, now + ttlSeconds * 1000);
      return true;
    },
  };
}
