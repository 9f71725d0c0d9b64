/**
 * A stand-in for Upstash's REST API, so the Upstash adapter is tested through the real
 * @upstash/redis client against the real local Redis: every command is executed by Redis
 * (over the project's TCP client), the server only translates.
 *
 * Protocol, as @upstash/redis 1.x uses it (node_modules/@upstash/redis, HttpClient):
 *   POST /             body ["SET","k","v"]            -> {"result": ...} or 400 {"error": "..."}
 *   POST /pipeline     body [["GET","a"],["INCR","b"]] -> [{"result": ...}, {"error": "..."}]
 *   POST /multi-exec   same body, run in MULTI/EXEC    -> per-command results; 400 when aborted
 *   Authorization: Bearer <token> on every request, else 401 {"error": "Unauthorized"}.
 *   Upstash-Encoding: base64 -> every string in the result is base64 of its UTF-8 bytes
 *   (the client decodes strings, inside arrays too; numbers and null are left alone).
 * The client also sends upstash-sync-token and telemetry headers, which need no answer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRedisClient, RedisReplyError, type RespReply } from "../../src/adapters/redis/client.js";

export interface UpstashTestServer {
  url: string;
  token: string;
  /** HTTP requests served so far (each is one round trip for the client). */
  readonly requests: number;
  close(): Promise<void>;
}

type Outcome = { result: unknown } | { error: string };

function encode(reply: RespReply, base64: boolean): unknown {
  if (reply instanceof RedisReplyError) return reply.message;
  if (Array.isArray(reply)) return reply.map((item) => encode(item, base64));
  if (typeof reply === "string" && base64) return Buffer.from(reply, "utf8").toString("base64");
  return reply;
}

function isCommand(value: unknown): value is (string | number | boolean)[] {
  return Array.isArray(value) && value.length > 0 && value.every((arg) => ["string", "number", "boolean"].includes(typeof arg));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

export async function startUpstashServer(options: { redisUrl: string; token: string }): Promise<UpstashTestServer> {
  const redis = createRedisClient(options.redisUrl);
  let requests = 0;

  const outcome = (settled: PromiseSettledResult<RespReply>, base64: boolean): Outcome =>
    settled.status === "fulfilled" ? { result: encode(settled.value, base64) } : { error: (settled.reason as Error).message };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    requests++;
    if (request.method !== "POST") return reply(response, 405, { error: "Method not allowed" });
    if (request.headers.authorization !== `Bearer ${options.token}`) return reply(response, 401, { error: "Unauthorized" });
    const base64 = String(request.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch {
      return reply(response, 400, { error: "ERR failed to parse command" });
    }
    const path = new URL(request.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");

    if (path === "") {
      if (!isCommand(body)) return reply(response, 400, { error: "ERR failed to parse command" });
      const [settled] = await Promise.allSettled([redis.send(body.map(String))]);
      const result = outcome(settled!, base64);
      return reply(response, "error" in result ? 400 : 200, result);
    }

    if (path === "/pipeline" || path === "/multi-exec") {
      if (!Array.isArray(body) || body.length === 0 || !body.every(isCommand)) return reply(response, 400, { error: "ERR failed to parse pipeline" });
      const commands = (body as (string | number | boolean)[][]).map((command) => command.map(String));
      if (path === "/pipeline") {
        // Sent back to back on the shared connection (pipelined), answered one by one.
        const settled = await Promise.allSettled(commands.map((command) => redis.send(command)));
        return reply(response, 200, settled.map((s) => outcome(s, base64)));
      }
      // MULTI ... EXEC written in one synchronous burst: nothing from another request can
      // land between them on the shared connection.
      const queued = [redis.send(["MULTI"]), ...commands.map((command) => redis.send(command))];
      const exec = redis.send(["EXEC"]);
      await Promise.allSettled(queued);
      const [settled] = await Promise.allSettled([exec]);
      if (settled!.status === "rejected") return reply(response, 400, { error: (settled!.reason as Error).message });
      const results = settled!.value;
      if (!Array.isArray(results)) return reply(response, 400, { error: "EXECABORT Transaction discarded" });
      return reply(
        response,
        200,
        results.map((item) => (item instanceof RedisReplyError ? { error: item.message } : { result: encode(item, base64) })),
      );
    }
    return reply(response, 404, { error: "Not found" });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, { error: error instanceof Error ? error.message : "internal error" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    get requests(): number {
      return requests;
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.close();
    },
  };
}
