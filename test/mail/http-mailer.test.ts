import { describe, expect, test } from "vitest";
import { ConfigurationError } from "../../src/core/errors.js";
import { httpMailer, MailDeliveryError } from "../../src/mail/http-mailer.js";
import type { MailMessage } from "../../src/ports/mailer.js";

const KEY = "re_SECRET_key_123";
const MESSAGE: MailMessage = { to: "ada@example.com", subject: "Sign in", text: "t", html: "<p>h</p>", kind: "magic_link" };

function recordingFetch(answer: () => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return answer();
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

function leaks(error: unknown): string {
  const e = error as Error & { cause?: unknown };
  return [e.message, String(e), e.stack ?? "", JSON.stringify(e), String(e.cause ?? "")].join("\n");
}

describe("httpMailer (Resend's shape)", () => {
  test("POSTs {from,to,subject,text,html} as JSON with a bearer key", async () => {
    const { calls, fetch } = recordingFetch(() => new Response('{"id":"1"}', { status: 200 }));
    await httpMailer({ endpoint: "https://api.resend.com/emails", apiKey: KEY, from: "Acme <login@acme.example>", fetch }).send(MESSAGE);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("https://api.resend.com/emails");
    expect(calls[0]!.init.method).toBe("POST");
    const headers = new Headers(calls[0]!.init.headers);
    expect(headers.get("authorization")).toBe(`Bearer ${KEY}`);
    expect(headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ from: "Acme <login@acme.example>", to: "ada@example.com", subject: "Sign in", text: "t", html: "<p>h</p>" });
    expect(calls[0]!.init.redirect).toBe("manual");
    expect(calls[0]!.init.signal).toBeInstanceOf(AbortSignal);
  });

  test("any non-2xx rejects with the status only: never the key, never the provider's body", async () => {
    for (const status of [301, 400, 401, 422, 429, 500, 503]) {
      const body = `{"message":"invalid key ${KEY} for ada@example.com"}`;
      const { fetch } = recordingFetch(() => new Response(status === 301 ? null : body, { status, headers: status === 301 ? { location: "https://evil.test" } : {} }));
      const error = await httpMailer({ endpoint: "https://api.example/send", apiKey: KEY, from: "a@b.example", fetch }).send(MESSAGE).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(MailDeliveryError);
      expect((error as MailDeliveryError).status).toBe(status);
      expect((error as Error).message).toBe(`mail API answered ${status}`);
      expect(leaks(error)).not.toContain(KEY);
      expect(leaks(error)).not.toContain("ada@example.com");
    }
  });

  test("a network failure rejects without its cause (which may hold request details)", async () => {
    const fetch = (async () => {
      throw new TypeError(`fetch failed: Authorization: Bearer ${KEY}`);
    }) as typeof globalThis.fetch;
    const error = await httpMailer({ endpoint: "https://api.example/send", apiKey: KEY, from: "a@b.example", fetch }).send(MESSAGE).catch((e: unknown) => e);
    expect((error as Error).message).toBe("mail API request failed");
    expect(leaks(error)).not.toContain(KEY);
  });

  test("a provider that never answers is cut off at timeoutMs", async () => {
    const fetch = ((_: unknown, init?: RequestInit) =>
      new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))))) as typeof globalThis.fetch;
    const started = Date.now();
    const error = await httpMailer({ endpoint: "https://api.example/send", apiKey: KEY, from: "a@b.example", fetch, timeoutMs: 150 }).send(MESSAGE).catch((e: unknown) => e);
    expect((error as Error).message).toBe("mail API did not answer within 150 ms");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test("configuration is checked when it is built", () => {
    const ok = { endpoint: "https://api.resend.com/emails", apiKey: KEY, from: "a@b.example" };
    for (const bad of [
      { ...ok, endpoint: "http://api.resend.com/emails" },
      { ...ok, endpoint: "not a url" },
      { ...ok, endpoint: "https://user:pass@api.example/" },
      { ...ok, apiKey: "" },
      { ...ok, apiKey: "re_x\r\nX-Evil: 1" },
      { ...ok, from: "" },
      { ...ok, from: "a@b.example\r\nBcc: x@y.example" },
      { ...ok, timeoutMs: 50 },
      { ...ok, timeoutMs: 1.5 },
    ]) {
      expect(() => httpMailer(bad), JSON.stringify(bad)).toThrow(ConfigurationError);
    }
    expect(() => httpMailer({ ...ok, endpoint: "http://127.0.0.1:9999/send" })).not.toThrow();
    // The key never shows up in a configuration error either.
    try {
      httpMailer({ ...ok, apiKey: `${KEY} x` });
    } catch (error) {
      expect(leaks(error)).not.toContain(KEY);
    }
  });
});
