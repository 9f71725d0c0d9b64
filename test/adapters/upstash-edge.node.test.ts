/**
 * The Upstash adapter must bundle for Workers: no Node built-in anywhere in its import
 * graph (the shared Redis stores included). Bundled here with esbuild under Worker
 * conditions and checked with the same detector `npm run build:worker` uses.
 */
import { build } from "esbuild";
import { describe, expect, test } from "vitest";
import { nodeImports } from "../../scripts/bundle-check.mjs";

async function bundle(entry: string): Promise<{ code: string; metafile: unknown }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    metafile: true,
    logLevel: "silent",
  });
  return { code: result.outputFiles[0]!.text, metafile: result.metafile };
}

describe("edge safety", () => {
  test("src/adapters/upstash imports nothing from Node", async () => {
    const { code, metafile } = await bundle("src/adapters/upstash/index.ts");
    expect((nodeImports as (code: string, metafile: unknown) => string[])(code, metafile)).toEqual([]);
    // @upstash/redis is a type-only import: the caller's client is the one bundled.
    expect(code).not.toContain("HttpClient");
  });

  test("the check does see the TCP adapter's Node built-ins (it is a Node-only leaf)", async () => {
    const { code, metafile } = await bundle("src/adapters/redis/index.ts");
    expect((nodeImports as (code: string, metafile: unknown) => string[])(code, metafile)).toEqual(["node:net", "node:tls"]);
  });
});
