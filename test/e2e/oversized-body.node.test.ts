/**
 * Issue 10, item 3, end to end: under `wrangler dev` (what `npm start` runs), answering after
 * cancelling an oversized request body left workerd unable to answer the NEXT request, even
 * from another client, for minutes (a pooled connection got "503 Your worker restarted
 * mid-request"). The body reader now drains instead of cancelling. Each oversized post here is
 * followed by a normal request on the same kept-alive connection and on a new one; both must
 * be answered promptly. Node only (sockets and processes).
 */
import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startLocalStack, type LocalStack } from "./local-stack.js";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

interface Answer {
  status: number;
  body: string;
}

/**
 * One request on `agent`; fails (instead of hanging) when no answer comes within 10 s. With
 * `chunked`, the body goes out in pieces without Content-Length, as a streaming client sends it.
 */
function send(agent: Agent, method: string, path: string, body: string | null, headers: Record<string, string> = {}, chunked = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${stack.gateway}${path}`, { method, agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: text }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on("error", reject);
    if (chunked && body !== null) {
      for (let i = 0; i < body.length; i += 65_536) req.write(body.slice(i, i + 65_536));
      req.end();
    } else req.end(body ?? undefined);
  });
}

describe("an oversized body does not stall the gateway", () => {
  test.each([
    ["17 KiB JSON to the sign-in API", 17 * 1024, "application/json"],
    ["1 MiB JSON to the sign-in API", 1024 * 1024, "application/json"],
    ["1 MiB form to the sign-in page", 1024 * 1024, "application/x-www-form-urlencoded"],
    // Refused on its Content-Length, without reading it: nothing to stall on, however large.
    ["4 MiB JSON to the sign-in API", 4 * 1024 * 1024, "application/json"],
    // No Content-Length: read as it comes, over the limit drained to its end (within 1 MiB).
    ["512 KiB JSON, chunked, to the sign-in API", 512 * 1024, "application/json", true],
  ])("%s: 413, then the next request is answered on the same connection and on a new one", async (_name, size, type, chunked = false) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = type === "application/json" ? JSON.stringify({ email: "a@example.com", password: "p".repeat(size) }) : `email=a%40example.com&password=${"p".repeat(size)}`;
      const big = await send(agent, "POST", "/auth/sign-in", body, { "content-type": type, origin: stack.gateway, "sec-fetch-site": "same-origin" }, chunked);
      expect(big.status).toBe(413);
      const reused = await send(agent, "GET", "/auth/session", null);
      expect(reused.status).toBe(401);
      expect(reused.body).not.toContain("restarted");
      const fresh = await send(new Agent({ keepAlive: false }), "GET", "/auth/session", null);
      expect(fresh.status).toBe(401);
    } finally {
      agent.destroy();
    }
  }, 60_000);
});
