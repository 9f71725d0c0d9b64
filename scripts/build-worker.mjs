#!/usr/bin/env node
/**
 * npm run build:worker — bundles the gateway exactly as `wrangler deploy` would
 * (`--dry-run --outdir build/worker`), then:
 *   - fails (exit 1) if the bundle imports any Node built-in (`node:*` or a bare name);
 *   - prints the gzip size of the JavaScript, and of the WASM separately (wrangler uploads the
 *     .wasm as its own module, and Cloudflare's size limit counts the compressed total).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatBytes, gzipSize, nodeImports } from "./bundle-check.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = path.join(root, "build", "worker");
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");

rmSync(outdir, { recursive: true, force: true });
const build = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir, "--metafile"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
if (build.status !== 0) {
  console.error(`\nbuild:worker: wrangler exited with ${build.status ?? build.signal}`);
  process.exit(1);
}

const files = readdirSync(outdir).filter((name) => statSync(path.join(outdir, name)).isFile());
const scripts = files.filter((name) => /\.(m?js|cjs)$/.test(name));
const wasm = files.filter((name) => name.endsWith(".wasm"));
const metafilePath = path.join(outdir, "bundle-meta.json");
const metafile = existsSync(metafilePath) ? JSON.parse(readFileSync(metafilePath, "utf8")) : undefined;
if (scripts.length === 0) {
  console.error("build:worker: no JavaScript in the output");
  process.exit(1);
}

let failed = false;
let jsRaw = 0;
let jsGzip = 0;
console.log("\nWorker bundle (build/worker):");
for (const name of scripts) {
  const bytes = readFileSync(path.join(outdir, name));
  const found = nodeImports(bytes.toString("utf8"), metafile);
  if (found.length > 0) {
    failed = true;
    console.error(`  ✗ ${name} imports Node built-ins: ${found.join(", ")}`);
  }
  jsRaw += bytes.length;
  jsGzip += gzipSize(bytes);
  console.log(`  ${name}: ${formatBytes(bytes.length)} raw, ${formatBytes(gzipSize(bytes))} gzip`);
}
let wasmRaw = 0;
let wasmGzip = 0;
for (const name of wasm) {
  const bytes = readFileSync(path.join(outdir, name));
  wasmRaw += bytes.length;
  wasmGzip += gzipSize(bytes);
  console.log(`  ${name}: ${formatBytes(bytes.length)} raw, ${formatBytes(gzipSize(bytes))} gzip (WASM)`);
}
console.log(`\n  JavaScript: ${formatBytes(jsRaw)} raw, ${formatBytes(jsGzip)} gzip`);
console.log(`  WASM:       ${formatBytes(wasmRaw)} raw, ${formatBytes(wasmGzip)} gzip`);

if (failed) {
  console.error("\nbuild:worker: FAILED — the Worker bundle must not import Node built-ins (see DESIGN.md).");
  process.exit(1);
}
console.log("\n  ✓ no Node built-in imports");
