/**
 * Each example as a user would use it: how it installs, builds, type-checks, starts and what to
 * drive over HTTP. Paths are inside the example's copy (a temporary folder outside this
 * repository, so nothing can resolve this repository's node_modules by accident).
 */
import { cpSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { browserFlow } from "./browser-flow.mjs";
import { proxiedFormFlow, signUpFlow } from "./http-flow.mjs";
import { freePort, run, start, waitForHttp } from "./processes.mjs";
import { startProxy } from "./proxy.mjs";
import { writeReadmeSnippets } from "./readme-snippets.mjs";
import { denoCheck, typecheck } from "./typecheck.mjs";

const repo = fileURLToPath(new URL("../..", import.meta.url));
/** The address a browser uses in the proxy checks; the app runs with PUBLIC_ORIGIN set to it. */
const PUBLIC_ORIGIN = "https://app.example.com";
const npm = "npm";
const bin = (dir, name) => path.join(dir, "node_modules", ".bin", name);

async function npmInstall(dir) {
  await run(npm, ["install", "--no-audit", "--no-fund"], { cwd: dir });
}

/** Copies `folder` of a native package from this repository's install when versions match; rebuilds otherwise. */
async function reuseNativeAddon(dir, name, folder) {
  const version = (root) => JSON.parse(readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version;
  const ours = path.join(repo, "node_modules", name, folder);
  if (existsSync(ours) && version(repo) === version(dir)) cpSync(ours, path.join(dir, "node_modules", name, folder), { recursive: true });
  else await run(npm, ["rebuild", name], { cwd: dir });
}

/**
 * Starts `command` with PORT and PUBLIC_ORIGIN, waits for it, drives it, stops it. `args` may be
 * a function of the port, for servers that take it as a flag.
 */
async function serveAndDrive(dir, command, args, drive, { env = {}, ready = "/" } = {}) {
  const port = await freePort();
  const argv = typeof args === "function" ? args(port) : args;
  const server = start(command, argv, { cwd: dir, env: { PORT: String(port), PUBLIC_ORIGIN, NODE_ENV: "production", ...env } });
  const base = `http://localhost:${port}`;
  try {
    await waitForHttp(`${base}${ready}`, server);
    return await drive(base);
  } catch (error) {
    error.message += `\n--- server output ---\n${server.output().split("\n").slice(-30).join("\n")}`;
    throw error;
  } finally {
    await server.stop();
  }
}

/** The HTTP flows every app example goes through: direct, and (proxy: true) behind a TLS-terminating proxy. */
function drives(name, { proxy = false, browser = false } = {}) {
  return async (base) => {
    const steps = await signUpFlow(base, { email: `${name}@example.com` });
    if (proxy) {
      const front = await startProxy(base, { publicOrigin: PUBLIC_ORIGIN });
      try {
        steps.push(...(await proxiedFormFlow(front.url, PUBLIC_ORIGIN, { email: `${name}-proxied@example.com` })));
      } finally {
        await front.close();
      }
    }
    if (browser) steps.push(...(await browserFlow(base, { email: `${name}-browser@example.com` })));
    return steps;
  };
}

function nextExample(name, { browser }) {
  return {
    name,
    install: npmInstall,
    async build(dir) {
      // Next's default: Turbopack, no flags.
      await run(bin(dir, "next"), ["build"], { cwd: dir, env: { NEXT_TELEMETRY_DISABLED: "1" } });
      return "build: next build (Turbopack)";
    },
    typecheck: (dir, variant) => typecheck(dir, variant),
    serve: (dir) => serveAndDrive(dir, bin(dir, "next"), ["start"], drives(name, { proxy: true, browser }), { env: { NEXT_TELEMETRY_DISABLED: "1" } }),
  };
}

export const EXAMPLES = [
  {
    // Not an app: every public subpath imported, so every published .d.ts is type-checked.
    name: "types",
    source: "scripts/examples/consumer",
    async install(dir) {
      // Declarations only: no native builds needed.
      await run(npm, ["install", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir });
    },
    async build(dir) {
      const count = writeReadmeSnippets(path.join(repo, "README.md"), path.join(dir, "readme"));
      return `build: none (every subpath's declarations; ${count} README snippets)`;
    },
    async typecheck(dir, variant) {
      // The loose run also switches to bundler resolution, as Next and Vite apps use.
      const subpaths = await typecheck(dir, variant, { extra: { loose: { module: "esnext", moduleResolution: "bundler" } } });
      const readme = await typecheck(path.join(dir, "readme"), variant, { tsc: path.join(dir, "node_modules", "typescript", "bin", "tsc") });
      return `${subpaths}; README snippets: ${readme.replace(/^types: /, "")}`;
    },
    serve: async () => [],
  },
  nextExample("nextjs", { browser: true }),
  nextExample("nextjs-edge", { browser: false }),
  {
    name: "hono",
    async install(dir) {
      // better-sqlite3 would compile from source here (its prebuilt binaries come from GitHub,
      // which CI cannot reach): about two minutes that test nothing of ours. When this
      // repository's copy is the same version, its compiled addon is reused instead.
      await run(npm, ["install", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir });
      await reuseNativeAddon(dir, "better-sqlite3", "build");
    },
    async build(dir) {
      await run(bin(dir, "tsc"), [], { cwd: dir });
      return "build: tsc";
    },
    typecheck: (dir, variant) => typecheck(dir, variant),
    serve: (dir) => serveAndDrive(dir, process.execPath, ["dist/server.js"], drives("hono", { proxy: true }), { env: { DATABASE_PATH: path.join(dir, "example.sqlite") } }),
  },
  {
    name: "node",
    install: npmInstall,
    async build(dir) {
      await run(bin(dir, "tsc"), [], { cwd: dir });
      return "build: tsc";
    },
    typecheck: (dir, variant) => typecheck(dir, variant),
    serve: (dir) => serveAndDrive(dir, process.execPath, ["dist/server.js"], drives("node", { proxy: true })),
  },
  {
    name: "bun",
    async install(dir, tools) {
      await run(tools.bun, ["install"], { cwd: dir });
    },
    build: async () => "build: none (Bun runs TypeScript)",
    typecheck: (dir, variant) => typecheck(dir, variant),
    serve: (dir, tools) => serveAndDrive(dir, tools.bun, ["run", "server.ts"], drives("bun")),
  },
  {
    name: "deno",
    // npm fills node_modules from package.json (deno.json: nodeModulesDir "manual"); Deno reads it.
    install: npmInstall,
    build: async () => "build: none (Deno runs TypeScript)",
    typecheck: (dir, variant, tools) => denoCheck(dir, variant, tools.deno),
    serve: (dir, tools) => serveAndDrive(dir, tools.deno, ["run", "--allow-net", "--allow-env", "--allow-read", "main.ts"], drives("deno")),
  },
  {
    name: "worker",
    install: npmInstall,
    async build(dir) {
      const output = await run(bin(dir, "wrangler"), ["deploy", "--dry-run", "--outdir", "build"], { cwd: dir, env: { WRANGLER_SEND_METRICS: "false" } });
      const size = /Total Upload: ([^\n]+)/.exec(output)?.[1] ?? "?";
      return `build: wrangler deploy --dry-run (upload ${size})`;
    },
    // Workers types replace the DOM lib (the two declare the same globals differently).
    typecheck: (dir, variant) => typecheck(dir, variant, { extra: { loose: { lib: ["esnext"] } } }),
    async serve(dir) {
      const originPort = await freePort();
      const origin = start(process.execPath, [path.join(repo, "worker", "demo-origin.mjs")], { env: { PORT: String(originPort) } });
      const env = { WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
      const state = path.join(dir, ".state");
      try {
        await run(bin(dir, "wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { cwd: dir, env });
        const args = (port) => ["dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, "--var", `ORIGIN_URL:http://127.0.0.1:${originPort}`];
        // The protected page is the origin's: the gateway forwards it with identity headers.
        return await serveAndDrive(dir, bin(dir, "wrangler"), args, (base) => signUpFlow(base, { email: "worker@example.com" }), { env, ready: "/auth/session" });
      } finally {
        await origin.stop();
      }
    },
  },
];
