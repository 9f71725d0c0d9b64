/**
 * Argon2id on the WebAssembly build shipped by @phi-ag/argon2 (reference libargon2, SIMD).
 *
 * Where the compiled module comes from depends on the runtime, and the package chooses it
 * (`argon2idHasherWith` below, bound once per entry point):
 *
 *   Workers, Next.js Edge   a precompiled module from a .wasm import (workerd and the Edge
 *                           runtime refuse to compile WASM at run time); portcullis/password
 *                           resolves to edge.ts there through the `workerd` / `edge-light`
 *                           export conditions
 *   Node, Bun, Deno         the bytes embedded in the package, compiled once (index.ts)
 *
 * `argon2idHasher({ module })` still takes a module explicitly, for any other runtime.
 *
 * Why this file calls the module's C exports instead of the package's `Argon2` class: in
 * @phi-ag/argon2 0.5.28 the class passes `password.length` (UTF-16 code units) as the byte
 * length of the UTF-8 password it copied into the heap. For any non-ASCII password that hashes
 * only a prefix of the bytes: "日本語パスワード" verifies with "日本語abcde", "ééé" with "ééZ".
 * Calling `argon2_hash` directly with the real byte length fixes that, lets verification use
 * our own strict PHC parser and a constant-time compare, and lets us wipe the password from
 * the heap afterwards. The cross-check test against @noble/hashes (with non-ASCII passwords)
 * guards the binding.
 */
import { ConfigurationError } from "../../core/errors.js";
import type { PasswordHasher } from "../../ports/password-hasher.js";
import { ARGON2_VERSION, createArgon2idHasher, type Argon2idDerive, type Argon2idOptions } from "./argon2id-shared.js";

/** libargon2's Argon2_type value for Argon2id. */
const ARGON2_TYPE_ID = 2;

/** The subset of the module's exports used here (names from libargon2 / emscripten). */
interface Argon2Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(size: number): number;
  free(ptr: number): void;
  argon2_hash(
    tCost: number,
    mCost: number,
    parallelism: number,
    pwd: number,
    pwdLen: number,
    salt: number,
    saltLen: number,
    hash: number,
    hashLen: number,
    encoded: number,
    encodedLen: number,
    type: number,
    version: number,
  ): number;
  argon2_error_message(code: number): number;
}

const REQUIRED_EXPORTS = ["memory", "_initialize", "malloc", "free", "argon2_hash", "argon2_error_message"] as const;

export interface Argon2idWasmOptions extends Argon2idOptions {
  /**
   * A compiled `@phi-ag/argon2/argon2.wasm` (0.5.x). Optional: by default the module that comes
   * with the package for this runtime is used.
   */
  module?: WebAssembly.Module;
}

/**
 * A compiled module, judged by its shape rather than `instanceof`: a module compiled in another
 * realm (Next.js runs Edge middleware in its own V8 context under `next start`) is just as
 * usable, but is no instance of this realm's `WebAssembly.Module`.
 */
export function isCompiledModule(value: unknown): value is WebAssembly.Module {
  if (value instanceof WebAssembly.Module) return true;
  if (Object.prototype.toString.call(value) !== "[object WebAssembly.Module]") return false;
  try {
    WebAssembly.Module.exports(value as WebAssembly.Module);
    return true;
  } catch {
    return false;
  }
}

function assertModule(module: unknown): asserts module is WebAssembly.Module {
  if (!isCompiledModule(module)) {
    const bytes = Object.prototype.toString.call(module) === "[object ArrayBuffer]" || ArrayBuffer.isView(module);
    throw new ConfigurationError(
      bytes
        ? "argon2idHasher takes a compiled WebAssembly.Module, not bytes: leave module out to use the one that comes with the package"
        : "argon2idHasher: module must be a compiled WebAssembly.Module (leave it out to use the one that comes with the package)",
    );
  }
  const names = new Set(WebAssembly.Module.exports(module).map((entry) => entry.name));
  const missing = REQUIRED_EXPORTS.filter((name) => !names.has(name));
  if (missing.length > 0) {
    throw new ConfigurationError(`argon2 WASM module is missing exports: ${missing.join(", ")}`);
  }
  if (WebAssembly.Module.imports(module).length > 0) {
    throw new ConfigurationError("argon2 WASM module must not need imports (is it @phi-ag/argon2's argon2.wasm?)");
  }
}

async function instantiate(module: WebAssembly.Module): Promise<Argon2Exports> {
  // Instantiating an already-compiled module is allowed in workerd; only compiling is not.
  const instance = await WebAssembly.instantiate(module, {});
  const exports = instance.exports as unknown as Argon2Exports;
  exports._initialize();
  return exports;
}

function readCString(exports: Argon2Exports, ptr: number): string {
  const heap = new Uint8Array(exports.memory.buffer);
  let end = ptr;
  while (end < heap.length && heap[end] !== 0) end++;
  return new TextDecoder().decode(heap.subarray(ptr, end));
}

/** Copies `bytes` into the WASM heap; the caller frees. malloc(0) is avoided for empty input. */
function copyIn(exports: Argon2Exports, bytes: Uint8Array): number {
  const ptr = exports.malloc(Math.max(bytes.length, 1));
  if (ptr === 0) throw new Error("argon2 WASM heap exhausted");
  new Uint8Array(exports.memory.buffer).set(bytes, ptr);
  return ptr;
}

function wasmDerive(module: WebAssembly.Module): Argon2idDerive {
  // One instance per hasher, created on first use and reused: its linear memory grows to about
  // m KiB once and stays (WASM memory never shrinks), so per-hash cost is only the hash itself.
  let pending: Promise<Argon2Exports> | undefined;

  return async (password, salt, params, hashLength) => {
    pending ??= instantiate(module);
    let exports: Argon2Exports;
    try {
      exports = await pending;
    } catch (error) {
      pending = undefined;
      throw error;
    }

    const pwdPtr = copyIn(exports, password);
    let broken = false;
    let saltPtr = 0;
    let hashPtr = 0;
    try {
      saltPtr = copyIn(exports, salt);
      hashPtr = exports.malloc(hashLength);
      if (hashPtr === 0) throw new Error("argon2 WASM heap exhausted");
      // Synchronous: it runs to completion on this thread. encoded = NULL: we format PHC ourselves.
      const code = exports.argon2_hash(
        params.timeCost,
        params.memoryCost,
        params.parallelism,
        pwdPtr,
        password.length,
        saltPtr,
        salt.length,
        hashPtr,
        hashLength,
        0,
        0,
        ARGON2_TYPE_ID,
        ARGON2_VERSION,
      );
      if (code !== 0) throw new Error(`argon2 failed: ${readCString(exports, exports.argon2_error_message(code))}`);
      return new Uint8Array(exports.memory.buffer).slice(hashPtr, hashPtr + hashLength);
    } catch (error) {
      // A trap can leave the instance's allocator inconsistent; start from a fresh one next time.
      if (error instanceof WebAssembly.RuntimeError) {
        broken = true;
        pending = undefined;
      }
      throw error;
    } finally {
      // A discarded instance is garbage with its memory; touching it could trap again.
      if (!broken) wipeAndFree(exports, pwdPtr, password.length, saltPtr, hashPtr, hashLength);
    }
  };
}

/** Wipes the password and result before handing the memory back; free() does not clear it. */
function wipeAndFree(
  exports: Argon2Exports,
  pwdPtr: number,
  pwdLength: number,
  saltPtr: number,
  hashPtr: number,
  hashLength: number,
): void {
  const heap = new Uint8Array(exports.memory.buffer);
  heap.fill(0, pwdPtr, pwdPtr + pwdLength);
  exports.free(pwdPtr);
  if (saltPtr !== 0) exports.free(saltPtr);
  if (hashPtr !== 0) {
    heap.fill(0, hashPtr, hashPtr + hashLength);
    exports.free(hashPtr);
  }
}

export type Argon2idHasherFactory = (options?: Argon2idWasmOptions) => PasswordHasher;

/**
 * The `argon2idHasher` of one entry point, bound to how that runtime gets the module. The
 * module is obtained (and checked) when the hasher is made, so a runtime that cannot get one
 * fails at start-up with a `ConfigurationError`, never at the first sign-in and never by
 * falling back to a slow hash.
 */
export function argon2idHasherWith(bundledModule: () => WebAssembly.Module): Argon2idHasherFactory {
  /**
   * Argon2id via WASM: the recommended hasher on every runtime.
   * Output: `$argon2id$v=19$m=19456,t=2,p=1$<16-byte salt>$<32-byte hash>` (standard unpadded base64).
   */
  return (options = {}) => {
    const module = options.module ?? bundledModule();
    assertModule(module);
    return createArgon2idHasher(wasmDerive(module), options);
  };
}
