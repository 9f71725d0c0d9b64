/**
 * Helpers shared by the TCP Redis and Upstash tests: per-run key prefixes, cleanup by
 * prefix, and servers that are down or never answer, for the fault tests.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServer as createTlsServer } from "node:tls";
import type { RedisClient } from "../../src/adapters/redis/client.js";

/** `pc-test-<random>:`: each run owns its keys, so runs and suites can share one Redis. */
export function testPrefix(): string {
  return `pc-test-${crypto.randomUUID().slice(0, 8)}:`;
}

/** SCAN + DEL everything under `prefix` (no glob characters in our prefixes). */
export async function deleteByPrefix(client: RedisClient, prefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = (await client.send(["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000"])) as [string, string[]];
    cursor = next;
    if (keys.length > 0) deleted += (await client.send(["DEL", ...keys])) as number;
  } while (cursor !== "0");
  return deleted;
}

export async function keysUnder(client: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = (await client.send(["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000"])) as [string, string[]];
    cursor = next;
    found.push(...keys);
  } while (cursor !== "0");
  return found.sort();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on (bound, then released): connecting is refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SilentServer {
  port: number;
  close(): Promise<void>;
}

/** Accepts TCP connections and never sends a byte: a hung Redis (or a hung TLS handshake). */
export async function silentTcpServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Accepts HTTP requests and never answers them: a hung REST endpoint. */
export async function silentHttpServer(): Promise<SilentServer> {
  const server = createHttpServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs `call`, expects it to reject, and says how long that took. */
export async function timedRejection(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await call().then(
    () => new Error("expected a rejection"),
    (reason: unknown) => reason,
  );
  return { error, ms: performance.now() - started };
}

export function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface TlsProxy {
  port: number;
  /** The self-signed certificate (CN and SAN "localhost"), to trust as a CA. */
  cert: string;
  handshakes(): number;
  close(): Promise<void>;
}

/** Terminates TLS with a fresh self-signed certificate and pipes bytes to the Redis at `redisUrl`. */
export async function tlsProxy(redisUrl: string): Promise<TlsProxy> {
  const dir = mkdtempSync(path.join(tmpdir(), "pc-tls-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
    const key = readFileSync(path.join(dir, "key.pem"), "utf8");
    const cert = readFileSync(path.join(dir, "cert.pem"), "utf8");
    const { hostname, port } = new URL(redisUrl);
    const sockets = new Set<Socket>();
    let handshakes = 0;
    const server = createTlsServer({ key, cert }, (tlsSocket) => {
      handshakes++;
      const upstream = connect({ host: hostname, port: Number(port || 6379) });
      for (const s of [tlsSocket, upstream] as Socket[]) {
        sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => sockets.delete(s));
      }
      tlsSocket.pipe(upstream).pipe(tlsSocket);
    });
    server.on("tlsClientError", () => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      port: (server.address() as AddressInfo).port,
      cert,
      handshakes: () => handshakes,
      async close(): Promise<void> {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
