/**
 * Real backends for adapter tests. A suite that needs PostgreSQL or Redis asks
 * `serviceAvailable` first: unreachable means skip with a clear message on a
 * developer machine, and a failure under CI=true (a green CI that silently
 * skipped the real backends would be a lie).
 */
import { createConnection } from "node:net";

export const POSTGRES_URL = process.env.PORTCULLIS_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * True when the service answers on its port. When it does not: throws under CI=true,
 * otherwise prints why the suite is skipped and returns false (use with `describe.skipIf`).
 */
export async function serviceAvailable(name: "PostgreSQL" | "Redis", url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const defaultPort = name === "PostgreSQL" ? 5432 : 6379;
  if (await reachable(hostname, Number(port || defaultPort))) return true;
  const message = `${name} is not reachable at ${hostname}:${port || defaultPort}`;
  if (process.env.CI === "true") throw new Error(`${message}: CI must run the real-backend tests (.ci/run starts the service)`);
  console.warn(`\n[skip] ${message}: its adapter tests are skipped. Start it, or set PORTCULLIS_TEST_${name === "PostgreSQL" ? "POSTGRES" : "REDIS"}_URL.\n`);
  return false;
}
