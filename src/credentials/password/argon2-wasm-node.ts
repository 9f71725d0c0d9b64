/**
 * NODE ONLY (to be exposed as a Node-only subpath). Loads the Argon2 WASM binary that
 * @phi-ag/argon2 ships and compiles it, for `argon2idHasher({ module })`.
 *
 * Node built-ins are reached through `process.getBuiltinModule` (Node >= 20.16; engines says
 * >= 20.19) instead of a static `import "node:fs"`: the project compiles with `types: []`
 * and no @types/node, so a static import would not type-check, and this way even an accidental
 * import of this file into a Worker bundle fails with a clear message instead of a link error.
 */

interface NodeBuiltins {
  "node:fs/promises": { readFile(path: string): Promise<Uint8Array<ArrayBuffer>> };
  "node:module": { createRequire(from: string): { resolve(specifier: string): string } };
}

function builtin<K extends keyof NodeBuiltins>(id: K): NodeBuiltins[K] {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") {
    throw new Error("loadArgon2Module runs on Node >= 20.16 only; on Workers import \"@phi-ag/argon2/argon2.wasm\"");
  }
  return proc.getBuiltinModule(id) as NodeBuiltins[K];
}

/** Reads `@phi-ag/argon2/argon2.wasm` from node_modules and compiles it. Call once at start-up. */
export async function loadArgon2Module(): Promise<WebAssembly.Module> {
  // Resolution goes through the package's "exports" map, so a moved file fails loudly here.
  const path = builtin("node:module").createRequire(import.meta.url).resolve("@phi-ag/argon2/argon2.wasm");
  const bytes = await builtin("node:fs/promises").readFile(path);
  return WebAssembly.compile(bytes);
}
