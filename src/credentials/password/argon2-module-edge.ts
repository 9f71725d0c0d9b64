/**
 * The Argon2 module for Cloudflare Workers and the Next.js Edge runtime, which accept WASM only
 * precompiled: a `.wasm?module` import becomes a `WebAssembly.Module` in wrangler (and in
 * vitest-pool-workers with its CompiledWasm rule) and in Next's Turbopack. Turbopack honours
 * `?module` only on a relative path, hence the package's own copy next to this file.
 */
import argon2Wasm from "./argon2.wasm?module";

export function bundledArgon2Module(): WebAssembly.Module {
  return argon2Wasm;
}
