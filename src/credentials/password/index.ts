/**
 * portcullis/password for Node, Bun and Deno (the `default` export condition): email + password
 * sign-in as a plugin, the hashers, the policy. `argon2idHasher()` compiles the WASM module that
 * is embedded in the package; no file is read at run time.
 */
import { argon2idHasherWith, type Argon2idHasherFactory } from "./argon2id-wasm.js";
import { bundledArgon2Module } from "./argon2-module-bytes.js";

export * from "./exports.js";

/** Argon2id (m = 19 MiB, t = 2, p = 1 by default) on WebAssembly; `{ module }` only to bring your own. */
export const argon2idHasher: Argon2idHasherFactory = argon2idHasherWith(bundledArgon2Module);
