/**
 * portcullis/password for Cloudflare Workers and the Next.js Edge runtime (the `workerd` and
 * `edge-light` export conditions): the same API as index.ts, with `argon2idHasher()` using a
 * precompiled module from a .wasm import, the only WASM those runtimes accept.
 */
import { argon2idHasherWith, type Argon2idHasherFactory } from "./argon2id-wasm.js";
import { bundledArgon2Module } from "./argon2-module-edge.js";

export * from "./exports.js";

/** Argon2id (m = 19 MiB, t = 2, p = 1 by default) on WebAssembly; `{ module }` only to bring your own. */
export const argon2idHasher: Argon2idHasherFactory = argon2idHasherWith(bundledArgon2Module);
