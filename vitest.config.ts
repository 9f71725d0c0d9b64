import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type Plugin } from "vitest/config";

/**
 * `import wasm from "./x.wasm?module"` (how src/credentials/password/argon2-module-edge.ts gets a
 * precompiled module: wrangler and Next's Turbopack both read the suffix) is, for workerd's test
 * pool, the plain `.wasm` file, which its CompiledWasm rule below turns into a module.
 */
const wasmModuleSuffix: Plugin = {
  name: "portcullis:wasm-module-suffix",
  enforce: "pre",
  async resolveId(source, importer) {
    if (!source.endsWith(".wasm?module")) return null;
    return this.resolve(source.slice(0, -"?module".length), importer, { skipSelf: true });
  },
};

/**
 * One suite, two runtimes. `*.test.ts` runs in Node and in workerd;
 * `*.node.test.ts` only in Node (real processes, sockets); `*.workerd.test.ts`
 * only in workerd (D1, KV, Durable Object bindings).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.workerd.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        plugins: [
          wasmModuleSuffix,
          cloudflareTest({
            // Exports the PortcullisStore Durable Object class bound below.
            main: "./test/workers/store-worker.ts",
            miniflare: {
              compatibilityDate: "2026-04-01",
              d1Databases: ["DB"],
              kvNamespaces: ["KV"],
              durableObjects: { PORTCULLIS: { className: "PortcullisStore", useSQLite: true } },
              // workerd refuses run-time WASM compilation: .wasm imports must arrive precompiled.
              modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
            },
          }),
        ],
        test: {
          name: "workerd",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.node.test.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
