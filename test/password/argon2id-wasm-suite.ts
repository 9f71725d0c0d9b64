/**
 * Assertions for the WASM Argon2id hasher, shared by the Node and workerd test files, which
 * differ only in how they obtain the compiled module.
 */
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../src/core/errors.js";
import { argon2idHasherWith, type Argon2idWasmOptions } from "../../src/credentials/password/argon2id-wasm.js";
import type { PasswordHasher } from "../../src/ports/password-hasher.js";
import { argon2idJSHasher } from "../../src/credentials/password/argon2id-js.js";
import { FAST, fixedRandom, hasherContract } from "./helpers.js";

/** `module` undefined means the runtime could not provide one: the suite is skipped, visibly. */
export function describeArgon2idWasm(module: WebAssembly.Module | undefined): void {
  // What an entry point does: the runtime's own module unless one is passed.
  const argon2idHasher = argon2idHasherWith(() => module!);
  function wasm(options: Omit<Argon2idWasmOptions, "module"> = {}): PasswordHasher {
    if (module === undefined) throw new Error("no module");
    return argon2idHasher({ ...FAST, ...options, module });
  }

  describe.skipIf(module === undefined)("argon2idHasher (WASM)", () => {
    it("gets a compiled WebAssembly.Module", () => {
      expect(module).toBeInstanceOf(WebAssembly.Module);
    });

    it("uses the runtime's module when none is passed", async () => {
      const hasher = argon2idHasher(FAST);
      expect(await hasher.verify(await hasher.hash("no module passed"), "no module passed")).toBe(true);
    });

    describe("contract", () => {
      hasherContract(() => wasm());
    });

    it("produces byte-identical PHC strings to the pure-JS backend (same salt and params)", async () => {
      const passwords = ["password", "", "日本語パスワード", "emoji 🔐 pass", "pass\0word", "x".repeat(300)];
      for (const password of passwords) {
        const a = await wasm({ random: fixedRandom(9) }).hash(password);
        const b = await argon2idJSHasher({ ...FAST, random: fixedRandom(9) }).hash(password);
        expect(a, password).toBe(b);
      }
    });

    it("verifies pure-JS hashes and the other way round", async () => {
      const js = argon2idJSHasher(FAST);
      expect(await wasm().verify(await js.hash("crossover ✓"), "crossover ✓")).toBe(true);
      expect(await js.verify(await wasm().hash("crossover ✓"), "crossover ✓")).toBe(true);
    });

    it("verifies the libargon2 reference vector (m=65536,t=2,p=1, password/somesalt)", async () => {
      const reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
      const hasher = wasm();
      expect(await hasher.verify(reference, "password")).toBe(true);
      expect(await hasher.verify(reference, "passwore")).toBe(false);
    });

    it("works at the real defaults (m=19456, t=2, p=1)", async () => {
      const hasher = argon2idHasher({ module: module! });
      const stored = await hasher.hash("default parameters");
      expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
      expect(await hasher.verify(stored, "default parameters")).toBe(true);
      expect(hasher.needsRehash(stored)).toBe(false);
      expect(wasm().needsRehash(stored)).toBe(false);
      expect(argon2idHasher({ module: module!, memoryCost: 65_536 }).needsRehash(stored)).toBe(true);
    });

    it("keeps working after many hashes on one instance (heap reuse, no leak into results)", async () => {
      const hasher = wasm({ random: fixedRandom(3) });
      const first = await hasher.hash("repeat");
      for (let i = 0; i < 20; i++) await hasher.hash(`other ${i}`);
      expect(await hasher.hash("repeat")).toBe(first);
    });

    it("refuses something that is not a compiled module (ConfigurationError at start-up)", () => {
      expect(() => argon2idHasher({ module: new Uint8Array(8) as unknown as WebAssembly.Module })).toThrow(/not bytes/);
      for (const bad of [{}, "argon2.wasm", 42, { exports: [] }]) {
        expect(() => argon2idHasher({ module: bad as unknown as WebAssembly.Module }), String(bad)).toThrow(ConfigurationError);
      }
    });
  });
}
