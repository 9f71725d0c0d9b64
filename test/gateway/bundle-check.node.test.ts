/**
 * The guard behind `npm run build:worker` (scripts/bundle-check.mjs): a Worker bundle that
 * reaches for Node in any spelling must fail the build (DESIGN.md: "a Node import that leaks
 * into the Worker bundle"). Node only: the checker itself uses node:module and node:zlib.
 */
import { describe, expect, test } from "vitest";
import { isNodeBuiltin, nodeImports } from "../../scripts/bundle-check.mjs";

describe("bundle check", () => {
  test.each(["node:fs", "node:crypto", "fs", "fs/promises", "crypto", "buffer", "path", "stream/web", "node:sqlite"])("%s is a Node built-in", (name) => {
    expect(isNodeBuiltin(name)).toBe(true);
  });

  test.each(["./abc-argon2.wasm", "jose", "hono/utils", "@phi-ag/argon2", "cloudflare:workers", "./fs", "fsevents-like"])("%s is not", (name) => {
    expect(isNodeBuiltin(name)).toBe(false);
  });

  test("finds every way a bundle can import Node", () => {
    const code = [
      'import fs from "fs";',
      "import{createHash as h}from'node:crypto';",
      'const p = await import("fs/promises");',
      'const path = require("path");',
      'export { Buffer } from "buffer";',
      'import "node:process";',
      'process.getBuiltinModule("node:os");',
      'loadBuiltin("node:module");',
      'import argon2Wasm from "./651e-argon2.wasm";',
      'const note = "not an import: see node: docs";',
    ].join("\n");
    expect(nodeImports(code)).toEqual(["buffer", "fs", "fs/promises", "node:crypto", "node:module", "node:os", "node:process", "path"]);
  });

  test("reads esbuild's metafile too", () => {
    const metafile = { outputs: { "index.js": { imports: [{ path: "node:async_hooks", kind: "import-statement", external: true }] } } };
    expect(nodeImports("", metafile)).toEqual(["node:async_hooks"]);
  });

  test("a clean bundle passes", () => {
    expect(nodeImports('import w from "./x.wasm"; export default { fetch() {} };')).toEqual([]);
  });
});
