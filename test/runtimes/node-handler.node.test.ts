/**
 * portcullis/node over real sockets (node:http): bodies both ways, several Set-Cookie lines, HEAD,
 * a handler that throws, and an oversized body answered 413 without breaking the connection for
 * the next request (the request stream is left unread, never destroyed).
 */
import { createServer, request as httpRequest, Agent, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { toNodeHandler } from "../../src/runtimes/node.js";
import { makeHarness } from "../helpers/harness.js";

let server: Server;
let base: string;
const harness = makeHarness();

async function app(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/auth/")) return harness.auth.handle(request);
  if (url.pathname === "/echo") return new Response(request.body, { headers: { "x-method": request.method, "x-url": request.url } });
  if (url.pathname === "/cookies") {
    const headers = new Headers();
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "b=2; Path=/");
    return new Response("two cookies", { headers });
  }
  if (url.pathname === "/stream") {
    const chunks = ["one,", "two,", "three"];
    return new Response(new ReadableStream({ pull: (c) => void (chunks.length ? c.enqueue(new TextEncoder().encode(chunks.shift()!)) : c.close()) }));
  }
  if (url.pathname === "/throw") throw new Error("boom with a secret in it");
  return new Response("not found", { status: 404 });
}

beforeAll(async () => {
  server = createServer(toNodeHandler(app));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("toNodeHandler", () => {
  test("streams a request body through and a response body back; the URL is built on the Host header", async () => {
    const body = "x".repeat(200_000);
    const response = await fetch(`${base}/echo?q=1`, { method: "POST", body });
    expect(response.headers.get("x-method")).toBe("POST");
    expect(response.headers.get("x-url")).toBe(`${base}/echo?q=1`);
    expect(await response.text()).toBe(body);
    expect(await (await fetch(`${base}/stream`)).text()).toBe("one,two,three");
  });

  test("every Set-Cookie stays its own header line", async () => {
    const response = await fetch(`${base}/cookies`);
    expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
  });

  test("HEAD gets headers and no body", async () => {
    const response = await fetch(`${base}/stream`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  test("a handler that throws is a generic 500 that repeats nothing of the error", async () => {
    const response = await fetch(`${base}/throw`);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("secret");
  });

  test("sign-up and session over it, cookie and all", async () => {
    const signUp = await fetch(`${base}/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "node@example.com", password: "correct horse battery" }),
    });
    expect(signUp.status).toBe(201);
    const cookie = signUp.headers.getSetCookie()[0]!.split(";")[0]!;
    const session = await fetch(`${base}/auth/session`, { headers: { cookie } });
    expect(((await session.json()) as { user: { email: string } }).user.email).toBe("node@example.com");
  });

  test("an oversized body is answered 413, and the next request on the same connection and on a new one is answered", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (path: string, body: string | null, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(`${base}${path}`, { method: body === null ? "GET" : "POST", agent, headers }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, text }));
        });
        req.setTimeout(10_000, () => req.destroy(new Error("no answer within 10 s")));
        req.on("error", reject);
        req.end(body ?? undefined);
      });
    const big = await send("/auth/sign-in", JSON.stringify({ email: "a@example.com", password: "p".repeat(1_100_000) }), { "content-type": "application/json" });
    expect(big.status).toBe(413);
    expect(big.text).toContain("payload_too_large");
    expect((await send("/auth/session", null)).status).toBe(401);
    agent.destroy();
    expect((await fetch(`${base}/auth/session`)).status).toBe(401);
  });
});
