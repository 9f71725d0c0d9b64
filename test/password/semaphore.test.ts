import { describe, expect, it } from "vitest";
import { argon2idJSHasher } from "../../src/credentials/password/argon2id-js.js";
import { createArgon2idHasher, type Argon2idDerive } from "../../src/credentials/password/argon2id-shared.js";
import { createSemaphore, withConcurrencyLimit } from "../../src/credentials/password/semaphore.js";
import type { PasswordHasher } from "../../src/ports/password-hasher.js";
import { FAST } from "./helpers.js";

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe("semaphore", () => {
  it("never runs more than N of 10 concurrent tasks; nobody is rejected; FIFO order", async () => {
    for (const limit of [1, 2, 3]) {
      const semaphore = createSemaphore(limit);
      let running = 0;
      let peak = 0;
      const started: number[] = [];
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          semaphore.run(async () => {
            started.push(i);
            running++;
            peak = Math.max(peak, running);
            await tick();
            running--;
            return i;
          }),
        ),
      );
      expect(peak).toBe(limit);
      expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(semaphore.active).toBe(0);
      expect(semaphore.waiting).toBe(0);
    }
  });

  it("releases the slot when a task throws", async () => {
    const semaphore = createSemaphore(1);
    await expect(semaphore.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(semaphore.run(() => { throw new Error("sync boom"); })).rejects.toThrow("sync boom");
    expect(await semaphore.run(async () => "next")).toBe("next");
    expect(semaphore.active).toBe(0);
  });

  it("rejects a nonsensical limit", () => {
    expect(() => createSemaphore(0)).toThrow(RangeError);
    expect(() => createSemaphore(1.5)).toThrow(RangeError);
  });

  it("bounds a wrapped hasher's hash and verify calls", async () => {
    let running = 0;
    let peak = 0;
    const slow: PasswordHasher = {
      id: "slow",
      async hash(password) {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
        return `$slow$${password}`;
      },
      async verify() {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
        return false;
      },
      needsRehash: () => false,
    };
    const bounded = withConcurrencyLimit(slow, createSemaphore(2));
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => bounded.hash(`p${i}`)),
      ...Array.from({ length: 5 }, () => bounded.verify("$slow$x", "x")),
    ]);
    expect(peak).toBe(2);
  });

  it("argon2id hashers run at most maxConcurrent derivations (default 1) of 10 concurrent calls", async () => {
    for (const [maxConcurrent, expected] of [[undefined, 1], [2, 2], [3, 3]] as const) {
      let running = 0;
      let peak = 0;
      const derive: Argon2idDerive = async (_password, _salt, _params, length) => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
        return new Uint8Array(length);
      };
      const hasher = createArgon2idHasher(derive, { ...FAST, maxConcurrent });
      const hashes = await Promise.all(Array.from({ length: 10 }, (_, i) => hasher.hash(`pw${i}`)));
      await Promise.all(hashes.map((hash) => hasher.verify(hash, "x")));
      expect(peak).toBe(expected);
    }
  });

  it("a real argon2id hasher completes 10 concurrent calls with maxConcurrent 2", async () => {
    const hasher = argon2idJSHasher({ ...FAST, maxConcurrent: 2 });
    const hashes = await Promise.all(Array.from({ length: 10 }, (_, i) => hasher.hash(`pw${i}`)));
    expect(new Set(hashes).size).toBe(10);
    const verdicts = await Promise.all(hashes.map((h, i) => hasher.verify(h, `pw${i}`)));
    expect(verdicts.every(Boolean)).toBe(true);
  });
});
