/**
 * The gateway as `npm start` runs it, for end-to-end suites: `wrangler dev` (workerd, local D1,
 * the Argon2 WASM module bundled by wrangler) in front of worker/demo-origin.mjs, over real HTTP.
 * Node only: it spawns processes and opens sockets.
 *
 * Ports are picked free at run time and the D1 state lives in a temporary --persist-to
 * directory (migrations applied into it first), so a suite never touches .wrangler/state or a
 * developer's running `npm start`, and suites can run side by side. wrangler's "Unable to fetch
 * the Request.cf object" warning is expected offline and harmless.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
export const childEnv: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Stops a child started by `launch` and everything it spawned (its process group). */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  try {
    process.kill(-child.pid, "SIGINT"); // the group: wrangler, its CLI child and workerd
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 3000);
  await done;
  clearTimeout(timer);
}

export interface LocalStackOptions {
  /** Extra `--var NAME:VALUE` for wrangler dev (on top of wrangler.toml's [vars]). */
  vars?: Record<string, string>;
  /** The gateway's port, when the caller needs it before the start (e.g. to register a redirect URI). */
  gatewayPort?: number;
  /** Default 45 s: wrangler dev bundles the Worker first. */
  readyTimeoutMs?: number;
}

export interface LocalStack {
  /** http://127.0.0.1:<port> */
  gateway: string;
  gatewayPort: number;
  originPort: number;
  /** The D1 state directory (for `npm run admin -- ... --persist-to`). */
  persistDir: string;
  /** Everything the children printed, for failure messages. */
  logs: string[];
  stopOrigin(): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const [gatewayPort, originPort, inspectorPort] = await Promise.all([options.gatewayPort ?? freePort(), freePort(), freePort()]);
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const persistDir = mkdtempSync(path.join(tmpdir(), "portcullis-e2e-"));
  const children: ChildProcess[] = [];
  const logs: string[] = [];

  /** Starts a child in its own process group so `close` can stop it and everything it spawned. */
  function launch(name: string, args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...childEnv, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const record = (chunk: Buffer): void => {
      logs.push(`[${name}] ${chunk.toString()}`);
    };
    child.stdout?.on("data", record);
    child.stderr?.on("data", record);
    children.push(child);
    return child;
  }

  async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`process exited early:\n${logs.join("")}`);
      try {
        await fetch(url, { signal: AbortSignal.timeout(2000) });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    throw new Error(`${url} not ready after ${timeoutMs} ms:\n${logs.join("")}`);
  }

  const close = async (): Promise<void> => {
    await Promise.all(children.map(stop));
    rmSync(persistDir, { recursive: true, force: true });
  };

  try {
    const migrate = launch("migrate", [wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir]);
    const code = await exited(migrate);
    if (code !== 0) throw new Error(`migrations failed (${code}):\n${logs.join("")}`);

    const origin = launch("origin", [path.join(root, "worker", "demo-origin.mjs")], { PORT: String(originPort) });
    const vars = { ORIGIN_URL: `http://127.0.0.1:${originPort}`, ...options.vars };
    const dev = launch("wrangler", [
      wrangler,
      "dev",
      "--port",
      String(gatewayPort),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      persistDir,
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ]);
    await Promise.all([waitForHttp(`http://127.0.0.1:${originPort}/`, origin, 10_000), waitForHttp(`${gateway}/auth/session`, dev, options.readyTimeoutMs ?? 45_000)]);
    return { gateway, gatewayPort, originPort, persistDir, logs, stopOrigin: () => stop(origin), close };
  } catch (error) {
    await close();
    throw error;
  }
}
