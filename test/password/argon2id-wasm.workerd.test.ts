/**
 * In a Worker the module comes from an import that wrangler compiles at deploy time
 * (workerd refuses to compile WASM at run time, in tests too). vitest-pool-workers does the
 * same only when the pool config declares the rule, in vitest.config.ts:
 *
 *   cloudflareTest({ miniflare: { ..., modulesRules: [{ type: "CompiledWasm", include: ["**\/*.wasm"] }] } })
 *
 * Without it Vite's own WASM plugin takes the import and tries to read and compile the file
 * inside workerd, which fails; the import is dynamic so that case skips with a message instead
 * of breaking the whole run. Once the rule is in, this can become a static import.
 */
import { describeArgon2idWasm } from "./argon2id-wasm-suite.js";

async function importModule(): Promise<WebAssembly.Module | undefined> {
  try {
    // @ts-expect-error -- no type declarations for .wasm imports (tsconfig has types: [])
    const imported = (await import("@phi-ag/argon2/argon2.wasm")) as { default: unknown };
    return imported.default instanceof WebAssembly.Module ? imported.default : undefined;
  } catch (error) {
    console.warn(
      "argon2.wasm did not import as a WebAssembly.Module; add modulesRules CompiledWasm **/*.wasm to the workerd project",
      String(error).slice(0, 160),
    );
    return undefined;
  }
}

describeArgon2idWasm(await importModule());
