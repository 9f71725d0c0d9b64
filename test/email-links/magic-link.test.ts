import { describe, expect, test } from "vitest";
import { sha256Base64Url } from "../../src/core/encoding.js";
import { definePlugin } from "../../src/core/plugins.js";
import { MAGIC_LINK_AMR } from "../../src/email-links/magic-link.js";
import { cookieFrom, errorCode, request, signUp } from "../helpers/harness.js";
import { askForLink, formPost, jsonPost, lastMail, ORIGIN, selectiveSink, setup, snapshot, tokenOf } from "./fixture.js";

const ADA = "ada@example.com";

async function withAccount(options: Parameters<typeof setup>[0] = {}) {
  const env = setup({ verification: false, ...options });
  await signUp(env.auth, ADA);
  return env;
}

async function linkFor(env: ReturnType<typeof setup>, email = ADA, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await askForLink(env.auth, email, extra);
  expect(response.status).toBe(202);
  return tokenOf(lastMail(env.mail, "magic_link", email));
}

describe("POST /auth/magic-link", () => {
  test("answers 202 {sent:true} and mails a link on the configured origin and base path", async () => {
    const env = await withAccount();
    const response = await askForLink(env.auth, " Ada@Example.com ");
    expect(response.status).toBe(202);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ sent: true });
    const message = lastMail(env.mail, "magic_link")!;
    expect(message.to).toBe(ADA);
    expect(message.text).toMatch(new RegExp(`${ORIGIN}/auth/magic-link\\?token=[A-Za-z0-9_-]{43}\\s`));
    expect(message.html).toContain(`href="${ORIGIN}/auth/magic-link?token=${tokenOf(message)}"`);
    expect(env.base.audit.events.at(-1)).toMatchObject({ type: "magic_link.requested", outcome: "success", reason: "issued" });
  });

  test("the link's origin is configuration, never the request's Host header", async () => {
    const env = await withAccount();
    await env.auth.handle(new Request("https://evil.test/auth/magic-link", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: ADA }) }));
    expect(lastMail(env.mail, "magic_link")!.text).toContain(`${ORIGIN}/auth/magic-link?token=`);
    expect(lastMail(env.mail, "magic_link")!.text).not.toContain("evil.test");
  });

  test("ASVS 6.3.8: an unknown email answers exactly like a known one, and nothing is mailed to it", async () => {
    const env = await withAccount();
    const known = await snapshot(await askForLink(env.auth, ADA));
    const unknown = await snapshot(await askForLink(env.auth, "nobody@example.com"));
    expect(unknown).toEqual(known);
    expect(env.mail.messages().filter((m) => m.to === "nobody@example.com")).toEqual([]);
    // A token is stored for the unknown address too (never mailed), so store latency and failures match.
    expect(env.singleUse.puts.filter((p) => p.key.startsWith("magic_link:"))).toHaveLength(2);
    expect(env.base.audit.events.at(-1)).toMatchObject({ type: "magic_link.requested", reason: "unknown_email", userId: null });
  });

  test("ASVS 6.3.8: with a response floor both answers take at least the floor", async () => {
    const env = await withAccount({ magic: { minResponseMs: 120 } });
    for (const email of [ADA, "nobody@example.com"]) {
      const started = Date.now();
      expect((await askForLink(env.auth, email)).status).toBe(202);
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    }
  });

  test("a service account or a .invalid address is never mailed", async () => {
    const env = setup({ verification: false, magic: { allowSignUp: true } });
    await env.base.users.create({ id: "svc", kind: "service", email: "bot-1@service.invalid", emailVerified: true, name: null, createdAt: new Date() }, []);
    expect((await askForLink(env.auth, "bot-1@service.invalid")).status).toBe(202);
    expect((await askForLink(env.auth, "new@other.invalid")).status).toBe(202);
    expect(env.mail.messages()).toEqual([]);
  });

  test("malformed input is a 4xx that names nothing", async () => {
    const env = await withAccount();
    const bad = await askForLink(env.auth, "ada@example.com,eve@evil.test");
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe("invalid_email");
    const missing = await env.auth.handle(request("/auth/magic-link", { body: {} }));
    expect(await errorCode(missing)).toBe("invalid_request");
    expect(env.mail.messages().filter((m) => m.kind === "magic_link")).toEqual([]);
  });
});

describe("GET /auth/magic-link (the confirm page)", () => {
  test("is a page with one POST button; the token is only in a hidden field; no token in any Referer, no cache, strict CSP", async () => {
    const env = await withAccount();
    const token = await linkFor(env);
    const page = await env.auth.handle(request(`/auth/magic-link?token=${token}`));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    // Never the page's URL (the token) in any Referer; the form's POST then carries Origin: null
    // with Sec-Fetch-Site: same-origin, which core accepts (browser.node.test.ts clicks it in Chromium).
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/auth/magic-link/verify">');
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).toContain(`<input type="hidden" name="token" value="${token}">`);
    expect(html.split(token)).toHaveLength(2); // exactly once
    expect(html).not.toContain("<script");
  });

  test("GET does not consume: a scanner's prefetches, then the user's POST still signs in", async () => {
    const env = await withAccount();
    const token = await linkFor(env);
    for (let i = 0; i < 3; i++) expect((await env.auth.handle(request(`/auth/magic-link?token=${token}`))).status).toBe(200);
    const response = await env.auth.handle(formPost("/auth/magic-link/verify", token));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    expect(response.headers.get("set-cookie")).toMatch(/^__Host-portcullis=[A-Za-z0-9_-]{43}; Path=\/; .*HttpOnly; SameSite=Lax; Secure$/);
    const session = await env.auth.handle(request("/auth/session", { cookie: cookieFrom(response) }));
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ user: { email: ADA, emailVerified: true }, session: { amr: [MAGIC_LINK_AMR] } });
  });

  test("a malformed or hostile token gets an escaped error page and no form", async () => {
    const env = await withAccount();
    for (const token of ["", "short", `"><script>alert(1)</script>`, "A".repeat(44)]) {
      const page = await env.auth.handle(request(`/auth/magic-link?token=${encodeURIComponent(token)}`));
      expect(page.status).toBe(400);
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      const html = await page.text();
      expect(html).not.toContain("<form");
      expect(html).not.toContain("<script>");
    }
  });
});

describe("POST /auth/magic-link/verify", () => {
  test("JSON: the session like /sign-in, audited as a sign-in with method magic_link and amr email", async () => {
    const env = await withAccount();
    const token = await linkFor(env);
    const response = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    expect(response.status).toBe(200);
    expect(response.headers.get("set-cookie")).toMatch(/^__Host-portcullis=/);
    expect(await response.json()).toMatchObject({ user: { email: ADA, emailVerified: true }, session: { amr: ["email"] } });
    expect(env.base.audit.events.at(-1)).toMatchObject({ type: "sign_in", outcome: "success", reason: "ok", detail: { method: "magic_link" } });
  });

  test("JSON with transport bearer: the token in the body, no cookie", async () => {
    const env = await withAccount();
    const token = await linkFor(env);
    const response = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token, transport: "bearer" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("set-cookie")).toBeNull();
    const body = (await response.json()) as { token: string; tokenType: string };
    expect(body.tokenType).toBe("Bearer");
    expect((await env.auth.handle(request("/auth/session", { bearer: body.token }))).status).toBe(200);
  });

  test("ASVS 6.5.1: single use: the second redemption is 400 invalid_token (JSON) or an error page (form)", async () => {
    const env = await withAccount();
    const token = await linkFor(env);
    expect((await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }))).status).toBe(200);
    const again = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    expect(again.status).toBe(400);
    expect(await errorCode(again)).toBe("invalid_token");
    const page = await env.auth.handle(formPost("/auth/magic-link/verify", token));
    expect(page.status).toBe(400);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("set-cookie")).toBeNull();
    expect(await page.text()).toContain("not valid");
    expect(env.base.audit.events.at(-1)).toMatchObject({ type: "sign_in", outcome: "failure", reason: "invalid_token", detail: { method: "magic_link" } });
  });

  test("NIST 800-63B: a link expires 10 minutes after issuance, to the millisecond (injected clock)", async () => {
    const env = await withAccount();
    const first = await linkFor(env);
    const second = await linkFor(env);
    env.clock.advance(600_000 - 1);
    expect((await env.auth.handle(jsonPost("/auth/magic-link/verify", { token: first }))).status).toBe(200);
    env.clock.advance(1);
    const expired = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token: second }));
    expect(expired.status).toBe(400);
    expect(await errorCode(expired)).toBe("invalid_token");
  });

  test("ttlSeconds changes the lifetime and the store TTL", async () => {
    const env = await withAccount({ magic: { ttlSeconds: 60 } });
    const token = await linkFor(env);
    expect(env.singleUse.puts.at(-1)!.ttl).toBe(60);
    expect(lastMail(env.mail, "magic_link")!.text).toContain("expires in 1 minute.");
    env.clock.advance(60_000);
    expect((await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }))).status).toBe(400);
  });

  test("ASVS 15.4.2: 50 concurrent redemptions of one link produce exactly one session", async () => {
    const env = await withAccount();
    const token = await linkFor(env);
    const user = await env.base.users.findByEmail(ADA);
    const before = (await env.base.sessions.listByUser(user!.id)).length;
    const responses = await Promise.all(Array.from({ length: 50 }, () => env.auth.handle(jsonPost("/auth/magic-link/verify", { token }))));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(49);
    // The account was unverified, so its sign-up session was evicted (pre-hijacking rule): one session left, the link's.
    expect(before).toBe(1);
    expect((await env.base.sessions.listByUser(user!.id)).length).toBe(1);
    const successes = env.base.audit.events.filter((e) => e.type === "sign_in" && e.outcome === "success" && e.detail?.method === "magic_link");
    expect(successes).toHaveLength(1);
  });

  test("tokens are stored only as purpose-typed SHA-256 keys, and never reach the audit trail", async () => {
    const env = await withAccount();
    const token = await linkFor(env);
    const put = env.singleUse.puts.at(-1)!;
    expect(put.key).toBe(`magic_link:${await sha256Base64Url(token)}`);
    expect(put.value).not.toContain(token);
    expect(JSON.parse(put.value)).toEqual({ purpose: "magic_link", email: ADA, userId: expect.any(String), returnPath: "/", expiresAt: "2026-03-01T12:10:00.000Z" });
    await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    const trail = JSON.stringify(env.base.audit.events);
    expect(trail).not.toContain(token);
    expect(trail).not.toContain(await sha256Base64Url(token));
  });

  test("the link marks the address verified (it proves inbox control)", async () => {
    const env = await withAccount();
    expect((await env.base.users.findByEmail(ADA))!.emailVerified).toBe(false);
    const token = await linkFor(env);
    await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    expect((await env.base.users.findByEmail(ADA))!.emailVerified).toBe(true);
    expect(env.base.audit.events.some((e) => e.type === "email_verification.redeemed" && e.detail?.method === "magic_link")).toBe(true);
  });

  test("account pre-hijacking: claiming an unverified account drops the squatter's password and sessions", async () => {
    // Someone registered Ada's address with their own password before Ada ever used it.
    const env = setup({ verification: false });
    const { cookie: squatter } = await signUp(env.auth, ADA, "squatters own password");
    const token = await linkFor(env);
    const claimed = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    expect(claimed.status).toBe(200);
    // The squatter's session is gone and the password no longer opens the account.
    expect((await env.auth.handle(request("/auth/session", { cookie: squatter }))).status).toBe(401);
    const retry = await env.auth.handle(request("/auth/sign-in", { body: { email: ADA, password: "squatters own password" } }));
    expect(await errorCode(retry)).toBe("invalid_credentials");
    const user = (await env.base.users.findByEmail(ADA))!;
    expect(await env.base.credentials.listByUser(user.id)).toEqual([]);
    expect(env.base.audit.events.some((e) => e.type === "credentials_revoked" && e.reason === "unverified_account_claimed")).toBe(true);
    // Ada's own new session works.
    expect((await env.auth.handle(request("/auth/session", { cookie: cookieFrom(claimed) }))).status).toBe(200);
  });

  test("an account that was already verified keeps its password when a link signs in", async () => {
    const env = await withAccount();
    const user = (await env.base.users.findByEmail(ADA))!;
    await env.base.users.update(user.id, { emailVerified: true, updatedAt: env.clock.now() });
    const signedIn = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token: await linkFor(env) }));
    expect(signedIn.status).toBe(200);
    expect((await env.base.credentials.listByUser(user.id)).map((c) => c.type)).toEqual(["password"]);
    expect(env.base.audit.events.some((e) => e.type === "credentials_revoked")).toBe(false);
  });

  test("a link stops working when the account's address changed after it was sent", async () => {
    const env = await withAccount();
    const token = await linkFor(env);
    const user = await env.base.users.findByEmail(ADA);
    await env.base.users.update(user!.id, { email: "ada@new.example", updatedAt: new Date() });
    const response = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("invalid_token");
  });

  test("a cross-site form post is refused before the token is touched", async () => {
    const env = await withAccount();
    const token = await linkFor(env);
    const forged = await env.auth.handle(formPost("/auth/magic-link/verify", token, { origin: "https://evil.test", "sec-fetch-site": "cross-site" }));
    expect(forged.status).toBe(403);
    expect((await env.auth.handle(formPost("/auth/magic-link/verify", token))).status).toBe(303);
  });

  test("other content types are 415; a form without a token is an invalid link", async () => {
    const env = await withAccount();
    const text = await env.auth.handle(request("/auth/magic-link/verify", { method: "POST", body: "token=x", headers: { "content-type": "text/plain" } }));
    expect(text.status).toBe(415);
    const empty = await env.auth.handle(request("/auth/magic-link/verify", { method: "POST", body: "", headers: { "content-type": "application/x-www-form-urlencoded" } }));
    expect(empty.status).toBe(400);
    expect(empty.headers.get("content-type")).toContain("text/html");
  });
});

describe("allowSignUp", () => {
  test("off (default): an unknown address gets no mail and no account", async () => {
    const env = setup({ verification: false });
    expect((await askForLink(env.auth, "new@example.com")).status).toBe(202);
    expect(env.mail.messages()).toEqual([]);
    expect(await env.base.users.findByEmail("new@example.com")).toBeNull();
  });

  test("on: the link creates a verified account and signs it in; the creation is audited", async () => {
    const env = setup({ verification: false, magic: { allowSignUp: true } });
    const token = await linkFor(env, "new@example.com");
    expect(await env.base.users.findByEmail("new@example.com")).toBeNull(); // nothing until the link is used
    const response = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user: { email: "new@example.com", emailVerified: true } });
    const user = await env.base.users.findByEmail("new@example.com");
    expect(user).toMatchObject({ emailVerified: true, kind: "user" });
    expect(await env.base.credentials.listByUser(user!.id)).toEqual([]);
    const types = env.base.audit.events.map((e) => `${e.type}:${e.outcome}:${e.reason}`);
    expect(types).toEqual(["magic_link.requested:success:issued_for_sign_up", "sign_up:success:ok", "sign_in:success:ok"]);
  });

  test("on: a known address and an unknown one answer alike", async () => {
    const env = await withAccount({ magic: { allowSignUp: true } });
    expect(await snapshot(await askForLink(env.auth, "new@example.com"))).toEqual(await snapshot(await askForLink(env.auth, ADA)));
  });

  test("on: if the address got an account after the link was sent, the link signs in to it", async () => {
    const env = setup({ verification: false, magic: { allowSignUp: true } });
    const token = await linkFor(env, ADA);
    await signUp(env.auth, ADA);
    const response = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user: { email: ADA, emailVerified: true } });
  });
});

describe("nothing a link did outlives a refused sign-in", () => {
  const denyAll = definePlugin({ id: "risk", requires: {}, setup: () => ({ risk: { evaluate: async () => ({ score: 99, action: "deny" as const, signals: [] }) } }) });

  test("a risk denial leaves an unverified account unverified, and creates no account", async () => {
    const env = setup({ verification: false, magic: { allowSignUp: true }, plugins: [denyAll] });
    // The risk stage refuses sign-up too, so the account comes straight from the store.
    await env.base.users.create({ id: "ada", kind: "user", email: ADA, emailVerified: false, name: null, createdAt: new Date() }, []);
    const token = await linkFor(env);
    const denied = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    expect(denied.status).toBe(401);
    expect((await env.base.users.findByEmail(ADA))!.emailVerified).toBe(false);
    const fresh = await linkFor(env, "new@example.com");
    expect((await env.auth.handle(jsonPost("/auth/magic-link/verify", { token: fresh }))).status).toBe(401);
    expect(await env.base.users.findByEmail("new@example.com")).toBeNull();
  });

  test("when the session's audit event cannot be written: 503, no session, the new account removed", async () => {
    const env = setup({
      verification: false,
      magic: { allowSignUp: true },
      stores: (base) => ({ audit: selectiveSink(base.audit, (e) => e.type === "sign_in" && e.outcome === "success") }),
    });
    const token = await linkFor(env, "new@example.com");
    const response = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe("audit_unavailable");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await env.base.users.findByEmail("new@example.com")).toBeNull();
  });
});
