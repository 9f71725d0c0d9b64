/**
 * In a Worker the module comes from a `.wasm?module` import that wrangler compiles at deploy
 * time (workerd refuses to compile WASM at run time, in tests too); vitest-pool-workers does the
 * same through the CompiledWasm rule in vitest.config.ts. This is the module portcullis/password
 * uses under the `workerd` export condition (src/credentials/password/edge.ts).
 */
import { describe, expect, it } from "vitest";
import { bundledArgon2Module } from "../../src/credentials/password/argon2-module-edge.js";
import { argon2idHasher } from "../../src/credentials/password/edge.js";
import { describeArgon2idWasm } from "./argon2id-wasm-suite.js";
import { FAST } from "./helpers.js";

describeArgon2idWasm(bundledArgon2Module());

describe("portcullis/password in workerd (the workerd export condition)", () => {
  it("argon2idHasher() needs no module argument", async () => {
    const hasher = argon2idHasher(FAST);
    expect(await hasher.verify(await hasher.hash("workerd"), "workerd")).toBe(true);
  });

  it("workerd refuses a run-time compile, so the embedded bytes could never be used here", () => {
    expect(() => new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).toThrow();
  });
});

describe("a runtime that refuses to compile WASM is told so when the hasher is made", () => {
  it("the Node/Bun/Deno build's module loader throws a ConfigurationError naming the way out", async () => {
    // The embedded-bytes loader is what a bundler that ignores the workerd condition would ship.
    const { bundledArgon2Module: fromBytes } = await import("../../src/credentials/password/argon2-module-bytes.js");
    expect(() => fromBytes()).toThrow(/refused to compile WebAssembly/);
    expect(() => fromBytes()).toThrow(/workerd \/ edge-light/);
  });
});
