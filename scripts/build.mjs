#!/usr/bin/env node
/**
 * npm run build (and prepack): src/ -> dist/ with plain `tsc` (tsconfig.build.json), then the
 * one asset tsc does not copy (the Argon2 .wasm the Worker / Edge entry imports), then checks
 * that make a broken package fail here instead of in a user's app:
 *   - every target of package.json "exports" exists;
 *   - every bare import in dist/ is a declared dependency or peer (or `cloudflare:workers`, only
 *     in the Durable Object adapter): an undeclared one would work in this repo and nowhere else;
 *   - no dist file imports `node:*` statically (Node built-ins go through
 *     process.getBuiltinModule, so Worker bundles never see them).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importSpecifiers } from "./bundle-check.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = path.join(root, "dist");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const started = Date.now();

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
if (tsc.status !== 0) fail(`tsc exited with ${tsc.status ?? tsc.signal}`);
copyFileSync(path.join(root, "src/credentials/password/argon2.wasm"), path.join(dist, "credentials/password/argon2.wasm"));

const problems = [];
for (const [subpath, target] of Object.entries(pkg.exports)) {
  const targets = typeof target === "string" ? [target] : Object.values(target);
  for (const file of targets) if (!existsSync(path.join(root, file))) problems.push(`exports["${subpath}"] -> ${file} does not exist`);
}

const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
const packageOf = (specifier) => (specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]);
for (const file of walk(dist).filter((name) => name.endsWith(".js"))) {
  const relative = path.relative(dist, file);
  // Comments hold usage examples (`import ... from "portcullis/next"`): only code counts.
  const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  for (const specifier of importSpecifiers(code)) {
    if (specifier.startsWith(".")) continue;
    if (specifier.startsWith("node:")) problems.push(`${relative} imports ${specifier} statically`);
    else if (specifier === "cloudflare:workers") {
      if (!relative.startsWith(`adapters${path.sep}durable-object`)) problems.push(`${relative} imports cloudflare:workers`);
    } else if (!declared.has(packageOf(specifier))) problems.push(`${relative} imports ${specifier}, which package.json does not declare`);
  }
}
if (problems.length > 0) fail(problems.join("\n  "));
console.log(`build: dist/ ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${walk(dist).length} files)`);

function walk(folder) {
  return readdirSync(folder).flatMap((name) => {
    const full = path.join(folder, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

function fail(message) {
  console.error(`build: FAILED\n  ${message}`);
  process.exit(1);
}
