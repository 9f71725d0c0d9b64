import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

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
