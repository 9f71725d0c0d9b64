/**
 * How portcullis/password gets its WASM in Node (and Bun, Deno): the embedded bytes, which must
 * be exactly the dependency's binary; and a module compiled in another realm (Next.js runs Edge
 * middleware in its own V8 context) is accepted by shape, not refused by `instanceof`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { bundledArgon2Module } from "../../src/credentials/password/argon2-module-bytes.js";
import { ARGON2_WASM_BASE64, ARGON2_WASM_SHA256 } from "../../src/credentials/password/argon2-wasm-bytes.js";
import { argon2idHasher, isCompiledModule } from "../../src/credentials/password/index.js";
import { FAST } from "./helpers.js";

const dependency = readFileSync(createRequire(import.meta.url).resolve("@phi-ag/argon2/argon2.wasm"));

describe("the Argon2 WASM that ships with the package", () => {
  it("the embedded bytes and the .wasm copy are the dependency's binary (npm run gen:argon2 after a bump)", () => {
    const embedded = Buffer.from(ARGON2_WASM_BASE64, "base64");
    expect(embedded.equals(dependency)).toBe(true);
    expect(createHash("sha256").update(dependency).digest("hex")).toBe(ARGON2_WASM_SHA256);
    const copy = readFileSync(new URL("../../src/credentials/password/argon2.wasm", import.meta.url));
    expect(copy.equals(dependency)).toBe(true);
  });

  it("is compiled once, synchronously, on first use", () => {
    const first = bundledArgon2Module();
    expect(bundledArgon2Module()).toBe(first);
    expect(WebAssembly.Module.exports(first).map((entry) => entry.name)).toEqual(expect.arrayContaining(["argon2_hash", "malloc", "_initialize"]));
  });

  it("a module from another realm is accepted by shape (Next.js Edge under next start)", async () => {
    const foreign = vm.runInNewContext("new WebAssembly.Module(bytes)", { bytes: new Uint8Array(dependency) }) as WebAssembly.Module;
    expect(foreign instanceof WebAssembly.Module).toBe(false);
    expect(isCompiledModule(foreign)).toBe(true);
    const hasher = argon2idHasher({ ...FAST, module: foreign });
    const stored = await hasher.hash("cross-realm");
    expect(await hasher.verify(stored, "cross-realm")).toBe(true);
    expect(await argon2idHasher(FAST).verify(stored, "cross-realm")).toBe(true);
  });

  it("lookalikes are not modules", () => {
    const fake = { [Symbol.toStringTag]: "WebAssembly.Module" };
    expect(isCompiledModule(fake)).toBe(false);
    expect(isCompiledModule(dependency)).toBe(false);
    expect(isCompiledModule(null)).toBe(false);
  });
});
