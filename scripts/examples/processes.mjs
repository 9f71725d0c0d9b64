/**
 * Child processes for the example runner: commands that must succeed (with their output kept
 * for the report), servers started in their own process group and stopped with everything they
 * spawned, free ports, and waiting until a server answers.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";

/** Runs a command to completion; resolves with its exit code and output (`run` rejects on failure). */
export function runStatus(command, args, { cwd, env = {}, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, output });
    });
  });
}

/** Runs a command to completion; rejects with its output when it fails or outlives `timeoutMs`. */
export async function run(command, args, options = {}) {
  const { code, output } = await runStatus(command, args, options);
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}\n${tail(output)}`);
  return output;
}

/** A long-running server in its own process group; `stop()` ends the group. */
export function start(command, args, { cwd, env = {} } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      const force = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 5000);
      await exited;
      clearTimeout(force);
    },
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers at all (any status); rejects with the server's output if it dies or takes too long. */
export async function waitForHttp(url, server, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`server exited with ${server.child.exitCode}\n${tail(server.output())}`);
    try {
      await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(3000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s\n${tail(server.output())}`);
}

export function tail(text, lines = 40) {
  return text.split("\n").slice(-lines).join("\n");
}
