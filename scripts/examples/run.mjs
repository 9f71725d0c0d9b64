#!/usr/bin/env node
/**
 * npm run test:examples — every example as a user gets it, from the packed tarball:
 *
 *   1. `npm pack` this repository (prepack builds dist/), once;
 *   2. for each example: copy it to a fresh folder outside the repository, point its
 *      "portcullis" dependency at the tarball, install with its own tool (npm, bun, deno);
 *   3. build with the framework's default tool (next build = Turbopack, tsc, wrangler);
 *   4. type-check under the strict and the loose consumer settings (typecheck.mjs);
 *   5. start it and drive sign-up -> protected page -> sign-out over real HTTP, through a
 *      TLS-terminating proxy for CSRF (Next, Hono, Node), and once in Chromium (Next);
 *   6. print the package's size beside Better Auth's.
 *
 * `node scripts/examples/run.mjs nextjs hono` runs some; `--keep` leaves the folders. Needs the
 * npm registry (the examples' own dependencies) and, for the browser step, /usr/bin/chromium.
 * Exit code 1 when anything fails; each failure names the example and the step.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EXAMPLES } from "./examples.mjs";
import { formatSizes, packageSizes } from "./package-size.mjs";
import { run } from "./processes.mjs";

const repo = fileURLToPath(new URL("../..", import.meta.url));
/** Pinned like every other dependency; installed from npm into a tools folder, never globally. */
const TOOLS = { bun: "1.4.5", deno: "2.9.6" };

const args = process.argv.slice(2);
const keep = args.includes("--keep");
const wanted = args.filter((arg) => !arg.startsWith("--"));
const unknown = wanted.filter((name) => !EXAMPLES.some((example) => example.name === name));
if (unknown.length > 0) {
  console.error(`unknown example ${unknown.join(", ")}; known: ${EXAMPLES.map((e) => e.name).join(", ")}`);
  process.exit(2);
}
const selected = wanted.length === 0 ? EXAMPLES : EXAMPLES.filter((example) => wanted.includes(example.name));

const work = mkdtempSync(path.join(tmpdir(), "portcullis-examples-"));
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
let failed = 0;

try {
  let started = Date.now();
  const [pack] = JSON.parse(await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: repo }).then((out) => out.slice(out.indexOf("[\n"))));
  const tarball = path.join(work, pack.filename);
  console.log(`== packed ${pack.filename} in ${seconds(started)}`);

  const tools = {};
  if (selected.some((e) => e.name === "bun" || e.name === "deno")) {
    started = Date.now();
    const folder = path.join(work, "tools");
    cpSync(path.join(repo, "scripts", "examples", "tools.package.json"), path.join(folder, "package.json"));
    await run("npm", ["install", "--no-audit", "--no-fund", `bun@${TOOLS.bun}`, `deno@${TOOLS.deno}`], { cwd: folder });
    tools.bun = path.join(folder, "node_modules", ".bin", "bun");
    tools.deno = path.join(folder, "node_modules", ".bin", "deno");
    console.log(`== bun ${TOOLS.bun} and deno ${TOOLS.deno} from npm in ${seconds(started)}`);
  }

  for (const example of selected) {
    const dir = path.join(work, example.name);
    const exampleStarted = Date.now();
    console.log(`\n== examples/${example.name}`);
    let stepName = "copy";
    try {
      cpSync(path.join(repo, example.source ?? path.join("examples", example.name)), dir, { recursive: true });
      const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
      manifest.dependencies.portcullis = `file:${tarball}`;
      writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
      stepName = "install";
      started = Date.now();
      await example.install(dir, tools);
      console.log(`  ✓ installed from the tarball (${seconds(started)})`);
      stepName = "build";
      started = Date.now();
      console.log(`  ✓ ${await example.build(dir, tools)} (${seconds(started)})`);
      for (const variant of ["strict", "loose"]) {
        stepName = `typecheck (${variant})`;
        started = Date.now();
        console.log(`  ✓ ${await example.typecheck(dir, variant, tools)} (${seconds(started)})`);
      }
      stepName = "run";
      started = Date.now();
      for (const step of await example.serve(dir, tools)) console.log(`  ✓ ${step}`);
      console.log(`  ✓ examples/${example.name} passed in ${seconds(exampleStarted)}`);
    } catch (error) {
      failed++;
      console.error(`  ✗ examples/${example.name}: ${stepName} failed\n${String(error?.stack ?? error).split("\n").map((line) => `    ${line}`).join("\n")}`);
    } finally {
      if (!keep) rmSync(dir, { recursive: true, force: true });
    }
  }

  if (wanted.length === 0 || args.includes("--size")) {
    started = Date.now();
    const sizes = await packageSizes(tarball, pack, path.join(work, "size"));
    console.log(`\n== package size (${seconds(started)})\n${formatSizes(sizes, pack.version)}`);
  }
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`\n(kept ${work})`);
}

if (failed > 0) {
  console.error(`\n${failed} example(s) failed`);
  process.exit(1);
}
console.log(`\nall ${selected.length} example(s) passed`);
