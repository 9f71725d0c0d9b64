import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { httpMailer, MailDeliveryError } from "../../src/mail/http-mailer.js";
import type { MailMessage } from "../../src/ports/mailer.js";

const KEY = "re_live_SECRET_0123456789";
const MESSAGE: MailMessage = { to: "ada@example.com", subject: "Sign in", text: "link", html: "<p>link</p>", kind: "magic_link" };

let server: Server;
let base: string;
const received: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (req.url === "/ok") return void res.writeHead(200, { "content-type": "application/json" }).end('{"id":"49a3999c"}');
      if (req.url === "/reject") {
        // A provider that echoes the request back, key included.
        return void res.writeHead(422, { "content-type": "application/json" }).end(JSON.stringify({ message: `bad request with ${req.headers.authorization}`, body }));
      }
      if (req.url === "/hang") return; // never answers
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function text(error: unknown): string {
  const e = error as Error & { cause?: unknown };
  return [e.message, String(e), e.stack ?? "", JSON.stringify(e), String(e.cause ?? "")].join("\n");
}

describe("httpMailer against a real HTTP server", () => {
  test("delivers the Resend-shaped request", async () => {
    await httpMailer({ endpoint: `${base}/ok`, apiKey: KEY, from: "Acme <login@acme.example>" }).send(MESSAGE);
    const request = received.at(-1)!;
    expect(request.method).toBe("POST");
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request.body)).toEqual({ from: "Acme <login@acme.example>", to: "ada@example.com", subject: "Sign in", text: "link", html: "<p>link</p>" });
  });

  test("a 422 that echoes the key rejects with the status only", async () => {
    const error = await httpMailer({ endpoint: `${base}/reject`, apiKey: KEY, from: "a@b.example" }).send(MESSAGE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).status).toBe(422);
    expect(text(error)).not.toContain(KEY);
    expect(text(error)).not.toContain("ada@example.com");
  });

  test("a server that never answers is cut off at timeoutMs", async () => {
    const started = Date.now();
    const error = await httpMailer({ endpoint: `${base}/hang`, apiKey: KEY, from: "a@b.example", timeoutMs: 200 }).send(MESSAGE).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect((error as Error).message).toBe("mail API did not answer within 200 ms");
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(elapsed).toBeLessThan(3000);
    expect(text(error)).not.toContain(KEY);
  });

  test("a refused connection rejects without details", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await httpMailer({ endpoint: `http://127.0.0.1:${port}/x`, apiKey: KEY, from: "a@b.example" }).send(MESSAGE).catch((e: unknown) => e);
    expect((error as Error).message).toBe("mail API request failed");
    expect(text(error)).not.toContain(KEY);
  });
});
