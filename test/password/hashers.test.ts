/** Pure-JS Argon2id, PBKDF2, the composite and dummy verification: on Node and workerd alike. */
import { describe, expect, it, vi } from "vitest";
import { AuthError, ConfigurationError } from "../../src/core/errors.js";
import { argon2idJSHasher } from "../../src/credentials/password/argon2id-js.js";
import { dummyVerify, decoyVerifier } from "../../src/credentials/password/dummy-verify.js";
import { passwordHashing } from "../../src/credentials/password/password-hashing.js";
import {
  PBKDF2_WORKERS_MAX_ITERATIONS,
  pbkdf2Hasher,
} from "../../src/credentials/password/pbkdf2.js";
import { PasswordHashError } from "../../src/credentials/password/phc.js";
import { MAX_PASSWORD_BYTES } from "../../src/credentials/password/policy.js";
import type { PasswordHasher } from "../../src/ports/password-hasher.js";
import { FAST, fixedRandom, hasherContract } from "./helpers.js";

describe("argon2idJSHasher (@noble/hashes)", () => {
  hasherContract(() => argon2idJSHasher(FAST));

  it("writes the documented PHC shape", async () => {
    const stored = await argon2idJSHasher({ ...FAST, random: fixedRandom(1) }).hash("pw");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=256,t=2,p=1\$AQEBAQEBAQEBAQEBAQEBAQ\$[A-Za-z0-9+/]{43}$/);
  });

  it("needsRehash: false at same or stronger params, true when weaker, other lanes, or other algorithm", async () => {
    const configured = argon2idJSHasher(FAST);
    const same = await configured.hash("pw");
    const stronger = await argon2idJSHasher({ ...FAST, memoryCost: 512, timeCost: 3 }).hash("pw");
    const lessMemory = await argon2idJSHasher({ ...FAST, memoryCost: 128 }).hash("pw");
    const fewerPasses = await argon2idJSHasher({ ...FAST, timeCost: 1 }).hash("pw");
    const moreLanes = await argon2idJSHasher({ ...FAST, parallelism: 2 }).hash("pw");
    const pbkdf2 = await pbkdf2Hasher({ iterations: 1000 }).hash("pw");
    expect(configured.needsRehash(same)).toBe(false);
    expect(configured.needsRehash(stronger)).toBe(false);
    expect(configured.needsRehash(lessMemory)).toBe(true);
    expect(configured.needsRehash(fewerPasses)).toBe(true);
    expect(configured.needsRehash(moreLanes)).toBe(true);
    expect(configured.needsRehash(pbkdf2)).toBe(true);
    expect(configured.needsRehash("$2b$10$notphcatall")).toBe(true);
    // Same id but unusable: an error, not a silent "rehash it".
    expect(() => configured.needsRehash("$argon2id$v=19$m=256,t=2$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")).toThrow(
      PasswordHashError,
    );
  });

  it("refuses argon2 hashes it cannot trust: other version, extra/out-of-order params, huge memory, short tag", async () => {
    const hasher = argon2idJSHasher(FAST);
    const stored = await hasher.hash("pw");
    const cases = [
      stored.replace("v=19", "v=16"),
      stored.replace("$v=19", ""),
      stored.replace("m=256,t=2,p=1", "t=2,m=256,p=1"),
      stored.replace("p=1", "p=1,keyid=abc"),
      stored.replace("m=256", "m=4194304"),
      stored.replace("m=256", "m=4"),
      stored.replace("t=2", "t=0"),
      stored.replace(/\$[^$]+$/, "$AAAAAAAAAAA"), // 8-byte tag
      stored.replace("argon2id", "argon2i"),
    ];
    for (const bad of cases) {
      await expect(hasher.verify(bad, "pw"), bad).rejects.toBeInstanceOf(PasswordHashError);
    }
  });

  it("rejects bad configuration at construction", () => {
    expect(() => argon2idJSHasher({ memoryCost: 4 })).toThrow(ConfigurationError);
    expect(() => argon2idJSHasher({ timeCost: 0 })).toThrow(ConfigurationError);
    expect(() => argon2idJSHasher({ parallelism: 4, memoryCost: 16 })).toThrow(ConfigurationError);
    expect(() => argon2idJSHasher({ memoryCost: 19456.5 })).toThrow(ConfigurationError);
    expect(() => argon2idJSHasher({ maxConcurrent: 0 })).toThrow(ConfigurationError);
  });

  it("works at the real defaults (m=19456, t=2, p=1)", async () => {
    const hasher = argon2idJSHasher();
    const stored = await hasher.hash("default parameters");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(stored, "default parameters")).toBe(true);
  });

  it("rejects a password over 4096 UTF-8 bytes before deriving (defence in depth)", async () => {
    const hasher = argon2idJSHasher(FAST);
    await expect(hasher.hash("é".repeat(MAX_PASSWORD_BYTES / 2 + 1))).rejects.toMatchObject({ code: "password_too_long" });
    await expect(hasher.verify(await hasher.hash("pw"), "a".repeat(MAX_PASSWORD_BYTES + 1))).rejects.toBeInstanceOf(
      AuthError,
    );
    expect(await hasher.verify(await hasher.hash("a".repeat(MAX_PASSWORD_BYTES)), "a".repeat(MAX_PASSWORD_BYTES))).toBe(
      true,
    );
  });
});

describe("pbkdf2Hasher", () => {
  hasherContract(() => pbkdf2Hasher({ iterations: 1000 }));

  it("writes $pbkdf2-sha256$i=<n>$<16-byte salt>$<32-byte hash>", async () => {
    const stored = await pbkdf2Hasher({ iterations: 1000, random: fixedRandom(2) }).hash("pw");
    expect(stored).toMatch(/^\$pbkdf2-sha256\$i=1000\$AgICAgICAgICAgICAgICAg\$[A-Za-z0-9+/]{43}$/);
  });

  it("iterations are required; above the Workers limit only with allowAboveWorkersLimit", () => {
    expect(() => pbkdf2Hasher({} as { iterations: number })).toThrow(ConfigurationError);
    expect(() => pbkdf2Hasher({ iterations: 0 })).toThrow(ConfigurationError);
    expect(() => pbkdf2Hasher({ iterations: PBKDF2_WORKERS_MAX_ITERATIONS })).not.toThrow();
    expect(() => pbkdf2Hasher({ iterations: PBKDF2_WORKERS_MAX_ITERATIONS + 1 })).toThrow(ConfigurationError);
    expect(() => pbkdf2Hasher({ iterations: 600_000 })).toThrow(/allowAboveWorkersLimit/);
    expect(() => pbkdf2Hasher({ iterations: 600_000, allowAboveWorkersLimit: true })).not.toThrow();
  });

  it("needsRehash: fewer iterations or another algorithm", async () => {
    const configured = pbkdf2Hasher({ iterations: 2000 });
    expect(configured.needsRehash(await pbkdf2Hasher({ iterations: 1000 }).hash("pw"))).toBe(true);
    expect(configured.needsRehash(await pbkdf2Hasher({ iterations: 2000 }).hash("pw"))).toBe(false);
    expect(configured.needsRehash(await pbkdf2Hasher({ iterations: 3000 }).hash("pw"))).toBe(false);
    expect(configured.needsRehash(await argon2idJSHasher(FAST).hash("pw"))).toBe(true);
  });

  it("verifies with the stored iteration count, not the configured one", async () => {
    const old = await pbkdf2Hasher({ iterations: 1000 }).hash("legacy");
    expect(await pbkdf2Hasher({ iterations: 5000 }).verify(old, "legacy")).toBe(true);
  });

  it("refuses stored hashes with a version, extra params or absurd iteration counts", async () => {
    const stored = await pbkdf2Hasher({ iterations: 1000 }).hash("pw");
    const hasher = pbkdf2Hasher({ iterations: 1000 });
    for (const bad of [
      stored.replace("$i=1000", "$v=1$i=1000"),
      stored.replace("i=1000", "i=1000,x=1"),
      stored.replace("i=1000", "i=99999999999"),
      stored.replace("i=1000", "rounds=1000"),
    ]) {
      await expect(hasher.verify(bad, "pw"), bad).rejects.toBeInstanceOf(PasswordHashError);
    }
  });
});

describe("passwordHashing (composite)", () => {
  const primary = (): PasswordHasher => argon2idJSHasher(FAST);
  const legacy = (): PasswordHasher => pbkdf2Hasher({ iterations: 1000 });

  it("hashes with the primary, verifies legacy PBKDF2 and asks for a rehash", async () => {
    const hashing = passwordHashing({ primary: primary(), legacy: [legacy()] });
    const old = await legacy().hash("migrate me");
    expect(await hashing.verify(old, "migrate me")).toBe(true);
    expect(await hashing.verify(old, "wrong")).toBe(false);
    expect(hashing.needsRehash(old)).toBe(true);

    const fresh = await hashing.hash("migrate me");
    expect(fresh.startsWith("$argon2id$")).toBe(true);
    expect(hashing.id).toBe("argon2id");
    expect(await hashing.verify(fresh, "migrate me")).toBe(true);
    expect(hashing.needsRehash(fresh)).toBe(false);
  });

  it("asks for a rehash when the primary's own params got stronger", async () => {
    const weak = await argon2idJSHasher({ ...FAST, memoryCost: 128 }).hash("pw");
    expect(passwordHashing({ primary: primary() }).needsRehash(weak)).toBe(true);
  });

  it("fails closed on unknown algorithms and non-PHC strings", async () => {
    const hashing = passwordHashing({ primary: primary() });
    const old = await legacy().hash("pw");
    await expect(hashing.verify(old, "pw")).rejects.toMatchObject({ reason: "unsupported" });
    await expect(hashing.verify("$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "pw")).rejects.toMatchObject({
      reason: "unsupported",
    });
    await expect(hashing.verify("plaintext-password", "pw")).rejects.toMatchObject({ reason: "malformed" });
  });

  it("refuses two hashers for one id at start-up", () => {
    expect(() => passwordHashing({ primary: primary(), legacy: [argon2idJSHasher()] })).toThrow(ConfigurationError);
    expect(() => passwordHashing({ primary: primary(), legacy: [legacy(), legacy()] })).toThrow(ConfigurationError);
  });
});

describe("dummyVerify (ASVS 6.3.8 timing equalisation)", () => {
  function spy(inner: PasswordHasher): PasswordHasher & { calls: string[] } {
    const calls: string[] = [];
    return {
      id: inner.id,
      calls,
      hash: async (password) => {
        calls.push("hash");
        return inner.hash(password);
      },
      verify: async (hash, password) => {
        calls.push("verify");
        return inner.verify(hash, password);
      },
      needsRehash: (hash) => inner.needsRehash(hash),
    };
  }

  it("costs one hash-equivalent per call, always false, dummy made once per hasher", async () => {
    const hasher = spy(argon2idJSHasher(FAST));
    expect(await dummyVerify(hasher, "guess")).toBe(false);
    expect(hasher.calls).toEqual(["hash"]);
    expect(await dummyVerify(hasher, "guess")).toBe(false);
    expect(await dummyVerify(hasher)).toBe(false);
    expect(hasher.calls).toEqual(["hash", "verify", "verify"]);
  });

  it("uses the hasher's own algorithm and parameters", async () => {
    const inner = argon2idJSHasher(FAST);
    const verify = vi.spyOn(inner, "verify");
    await dummyVerify(inner, "a");
    await dummyVerify(inner, "b");
    expect(verify).toHaveBeenCalledTimes(1);
    expect(verify.mock.calls[0]![0]).toMatch(/^\$argon2id\$v=19\$m=256,t=2,p=1\$/);
  });

  it("separate hashers get separate dummies; a failed first hash is retried", async () => {
    let fail = true;
    const flaky: PasswordHasher = {
      id: "flaky",
      hash: async () => {
        if (fail) throw new Error("boom");
        return "$flaky$c2FsdHNhbHQ$AAAA";
      },
      verify: async () => true,
      needsRehash: () => false,
    };
    await expect(dummyVerify(flaky, "x")).rejects.toThrow("boom");
    fail = false;
    expect(await dummyVerify(flaky, "x")).toBe(false);
    // Even a hasher that says "true" cannot make the dummy succeed.
    expect(await dummyVerify(flaky, "x")).toBe(false);
  });

  it("decoyVerifier binds it to a hasher", async () => {
    const decoy = decoyVerifier(argon2idJSHasher(FAST));
    expect(await decoy("anything")).toBe(false);
    expect(await decoy("anything")).toBe(false);
  });

  it("rejects oversized passwords exactly like a real verify", async () => {
    await expect(dummyVerify(argon2idJSHasher(FAST), "a".repeat(MAX_PASSWORD_BYTES + 1))).rejects.toMatchObject({
      code: "password_too_long",
    });
  });
});
