/**
 * The Argon2 module for runtimes that compile WebAssembly themselves (Node, Bun, Deno): the
 * embedded bytes, compiled synchronously on first use and kept. Synchronous so that the hasher
 * (and with it `createAuth`) fails at start-up where compiling is refused, not at a sign-in.
 */
import { ConfigurationError } from "../../core/errors.js";
import { ARGON2_WASM_BASE64 } from "./argon2-wasm-bytes.js";

let compiled: WebAssembly.Module | undefined;

export function bundledArgon2Module(): WebAssembly.Module {
  if (compiled !== undefined) return compiled;
  const binary = atob(ARGON2_WASM_BASE64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  try {
    compiled = new WebAssembly.Module(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(
      `argon2idHasher: this runtime refused to compile WebAssembly (${reason}). Cloudflare Workers and the Next.js Edge runtime ` +
        "get a precompiled module through the package's workerd / edge-light export conditions; elsewhere pass " +
        "argon2idHasher({ module }) with a precompiled @phi-ag/argon2/argon2.wasm, or choose pbkdf2Hasher() knowingly.",
    );
  }
  return compiled;
}
