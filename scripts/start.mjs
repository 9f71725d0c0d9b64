#!/usr/bin/env node
/**
 * npm start — the whole demo on this machine, no Cloudflare account and no network needed:
 *   1. applies the D1 migrations to the local database (.wrangler/state),
 *   2. starts the demo origin (worker/demo-origin.mjs) on ORIGIN_PORT (default 8788),
 *   3. starts the gateway with `wrangler dev` on GATEWAY_PORT (default 8787, 127.0.0.1),
 *   4. says where to point the browser once the gateway answers, and how to make yourself
 *      administrator after signing up (scripts/admin.mjs, on the same local database).
 * Ctrl-C stops both. If either child dies, the other is stopped too.
 *
 * The gateway reads ORIGIN_URL from wrangler.toml; it is overridden only when ORIGIN_PORT is set.
 * For local runs only, two vars are added on the command line (never in wrangler.toml, which is
 * what gets deployed): PUBLIC_ORIGIN=http://localhost:<port> (links in mail and OAuth redirect
 * URIs point at it) and DEV_INBOX=true (mail stays in the Worker and shows up at
 * /auth/dev/inbox and in this terminal, so magic links work with no mail service).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const gatewayPort = Number(process.env.GATEWAY_PORT ?? 8787);
const originPort = Number(process.env.ORIGIN_PORT ?? 8788);
// Local development sends nothing anywhere.
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };

/** Runs to completion; stdin is closed so wrangler takes its non-interactive defaults (no prompt). */
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wrangler, ...args], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`wrangler ${args[0]} exited with ${code ?? signal}`))));
  });
}

async function waitForGateway(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2000) });
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  return false;
}

console.log("Applying D1 migrations to the local database…");
try {
  await run(["d1", "migrations", "apply", "DB", "--local"]);
} catch (error) {
  console.error(`\n${error.message}`);
  process.exit(1);
}

const children = [];
let stopping = false;

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  }
  // Give wrangler a moment to stop workerd; then make sure nothing is left behind.
  const force = setTimeout(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    process.exit(code);
  }, 5000);
  force.unref();
  Promise.all(children.map((child) => (child.exitCode !== null || child.signalCode !== null ? null : new Promise((resolve) => child.once("exit", resolve))))).then(
    () => process.exit(code),
  );
}

function start(name, args, extraEnv) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ["inherit", "inherit", "inherit"] });
  child.on("exit", (code, signal) => {
    // Ctrl-C reaches the children and us together; let our own handler win that race.
    setTimeout(() => {
      if (stopping) return;
      console.error(`\n${name} stopped (${code ?? signal}); shutting down.`);
      stopAll(code === 0 ? 0 : 1);
    }, 100);
  });
  child.on("error", (error) => {
    console.error(`\n${name} failed to start: ${error.message}`);
    stopAll(1);
  });
  children.push(child);
  return child;
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => stopAll(0));

start("demo origin", [path.join(root, "worker", "demo-origin.mjs")], { PORT: String(originPort) });

// localhost, not 127.0.0.1: the address printed below, so cookies set on the way back from a
// mailed link or an OAuth provider belong to the host the browser is already on.
const publicOrigin = `http://localhost:${gatewayPort}`;
const devArgs = [wrangler, "dev", "--port", String(gatewayPort), "--ip", "127.0.0.1", "--var", `PUBLIC_ORIGIN:${publicOrigin}`, "--var", "DEV_INBOX:true"];
if (process.env.ORIGIN_PORT !== undefined) devArgs.push("--var", `ORIGIN_URL:http://127.0.0.1:${originPort}`);
const gateway = start("wrangler dev", devArgs, {});

if (await waitForGateway(`http://127.0.0.1:${gatewayPort}/auth/session`, gateway, 60_000)) {
  console.log(`
  Portcullis gateway ready: open ${publicOrigin}/ in your browser.
  Demo origin behind it: http://127.0.0.1:${originPort} (only the gateway should talk to it).

  Mail does not leave this machine (DEV_INBOX): sign-in links and address confirmations are
  listed at ${publicOrigin}/auth/dev/inbox (and printed here). Ask for one with "Email me a
  sign-in link" on the sign-in page, once you have an account.

  /admin/* needs the admin:read permission (ROUTE_RULES and ROLES in wrangler.toml). After you
  sign up, make yourself administrator from another terminal (same local database), with the
  email you signed up with:

    npm run admin -- assign-role --email you@example.com --role admin

  then reload /admin; no new sign-in needed. The admin API (/auth/admin/...) is yours too.
  Ctrl-C stops both.
`);
}
