import { describe, expect, test } from "vitest";
import type { CounterStore } from "../ports/counter-store.js";
import type { SingleUseStore } from "../ports/single-use-store.js";

export interface AtomicFixture {
  counters?: CounterStore;
  singleUse?: SingleUseStore;
  /**
   * Moves time forward by `ms` as the store sees it: advance the injected clock for
   * stores that take one, or wait for real for stores on their own clock (Redis, KV, DO).
   */
  advance(ms: number): Promise<void>;
  /** Called after each test. */
  cleanup?(): Promise<void>;
}

/**
 * The contract of the atomic primitives every adapter that offers them must pass,
 * race cases included: 100 concurrent increments give exactly 100 with no value
 * repeated; 50 concurrent consumes of one token give it to exactly one caller.
 * Keys are unique per test so suites may share a backend.
 */
export function describeAtomicStores(name: string, make: () => Promise<AtomicFixture>): void {
  let seq = 0;
  const key = (label: string): string => `t${Date.now().toString(36)}-${seq++}-${label}`;

  async function withFixture(run: (fixture: AtomicFixture) => Promise<void>): Promise<void> {
    const fixture = await make();
    try {
      await run(fixture);
    } finally {
      await fixture.cleanup?.();
    }
  }

  describe(`atomic primitives: ${name}`, () => {
    describe("CounterStore", () => {
      test("declares itself atomic", () =>
        withFixture(async ({ counters }) => {
          expect(counters?.consistency).toBe("atomic");
        }));

      test("increments, reads and resets", () =>
        withFixture(async ({ counters }) => {
          const k = key("count");
          expect(await counters!.get(k)).toBe(0);
          expect(await counters!.increment(k, 60)).toBe(1);
          expect(await counters!.increment(k, 60)).toBe(2);
          expect(await counters!.increment(k, 60)).toBe(3);
          expect(await counters!.get(k)).toBe(3);
          expect(await counters!.get(key("other"))).toBe(0);
          await counters!.reset(k);
          expect(await counters!.get(k)).toBe(0);
          expect(await counters!.increment(k, 60)).toBe(1);
        }));

      test("the window is fixed at the first increment and ends on time", () =>
        withFixture(async ({ counters, advance }) => {
          const k = key("window");
          await counters!.increment(k, 2);
          await advance(1000);
          expect(await counters!.increment(k, 2)).toBe(2); // does not extend the window
          await advance(1300);
          expect(await counters!.get(k)).toBe(0);
          expect(await counters!.increment(k, 2)).toBe(1);
        }));

      test("V15.4.2: 100 concurrent increments of one key: exactly 100, no value twice", () =>
        withFixture(async ({ counters }) => {
          const k = key("race");
          const results = await Promise.all(Array.from({ length: 100 }, () => counters!.increment(k, 60)));
          expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
          expect(await counters!.get(k)).toBe(100);
        }));

      test("keys with unusual characters stay separate", () =>
        withFixture(async ({ counters }) => {
          const a = key("a:b/c d%é");
          const b = key("a:b/c d%e");
          await counters!.increment(a, 60);
          expect(await counters!.get(b)).toBe(0);
        }));
    });

    describe("SingleUseStore", () => {
      test("declares itself atomic", () =>
        withFixture(async ({ singleUse }) => {
          expect(singleUse?.consistency).toBe("atomic");
        }));

      test("a value is consumed once", () =>
        withFixture(async ({ singleUse }) => {
          const k = key("once");
          await singleUse!.put(k, "payload {\"json\": true}", 60);
          expect(await singleUse!.consume(k)).toBe("payload {\"json\": true}");
          expect(await singleUse!.consume(k)).toBeNull();
          expect(await singleUse!.consume(key("never"))).toBeNull();
        }));

      test("put replaces an earlier value", () =>
        withFixture(async ({ singleUse }) => {
          const k = key("replace");
          await singleUse!.put(k, "first", 60);
          await singleUse!.put(k, "second", 60);
          expect(await singleUse!.consume(k)).toBe("second");
        }));

      test("an expired value cannot be consumed", () =>
        withFixture(async ({ singleUse, advance }) => {
          const k = key("expired");
          const fresh = key("fresh");
          await singleUse!.put(k, "v", 1);
          await singleUse!.put(fresh, "v", 60);
          await advance(1300);
          expect(await singleUse!.consume(k)).toBeNull();
          expect(await singleUse!.consume(fresh)).toBe("v");
        }));

      test("V15.4.2: 50 concurrent consumes of one token: exactly one wins", () =>
        withFixture(async ({ singleUse }) => {
          const k = key("race");
          await singleUse!.put(k, "the-token", 60);
          const results = await Promise.all(Array.from({ length: 50 }, () => singleUse!.consume(k)));
          expect(results.filter((r) => r !== null)).toEqual(["the-token"]);
        }));

      test("claim is true once, then false until the mark expires", () =>
        withFixture(async ({ singleUse, advance }) => {
          const k = key("claim");
          expect(await singleUse!.claim(k, 1)).toBe(true);
          expect(await singleUse!.claim(k, 1)).toBe(false);
          await advance(1300);
          expect(await singleUse!.claim(k, 1)).toBe(true);
        }));

      test("50 concurrent claims of one key: exactly one true", () =>
        withFixture(async ({ singleUse }) => {
          const k = key("claim-race");
          const results = await Promise.all(Array.from({ length: 50 }, () => singleUse!.claim(k, 60)));
          expect(results.filter(Boolean)).toHaveLength(1);
        }));
    });
  });
}
