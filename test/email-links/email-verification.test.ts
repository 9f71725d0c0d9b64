import { describe, expect, test } from "vitest";
import { cryptoRandom } from "../../src/core/context.js";
import { sha256Base64Url } from "../../src/core/encoding.js";
import { issueApiKey } from "../../src/credentials/api-key.js";
import { cookieFrom, errorCode, request, signUp } from "../helpers/harness.js";
import { askForLink, failingMailer, formPost, jsonPost, lastMail, ORIGIN, selectiveSink, setup, snapshot, tokenOf } from "./fixture.js";

const ADA = "ada@example.com";
const PASSWORD = "correct horse battery";
const REQUIRE = { requireVerifiedEmail: true };

function signUpRequest(email: string, password = PASSWORD): Request {
  return request("/auth/sign-up", { body: { email, password, name: "Ada" } });
}

function signInRequest(email = ADA, password = PASSWORD): Request {
  return request("/auth/sign-in", { body: { email, password } });
}

describe("requireVerifiedEmail, end to end", () => {
  test("sign-up 202 without a cookie -> sign-in 403 email_not_verified -> the mailed link -> sign-in 200", async () => {
    const env = setup({ magic: false, settings: REQUIRE });
    const signedUp = await env.auth.handle(signUpRequest(ADA));
    expect(signedUp.status).toBe(202);
    expect(signedUp.headers.get("set-cookie")).toBeNull();
    expect(await signedUp.json()).toEqual({ verificationRequired: true });

    const refused = await env.auth.handle(signInRequest());
    expect(refused.status).toBe(403);
    expect(refused.headers.get("set-cookie")).toBeNull();
    expect(await errorCode(refused)).toBe("email_not_verified");

    const message = lastMail(env.mail, "verify_email", ADA)!;
    expect(message.subject).toBe("Verify your email address for app.example");
    const token = tokenOf(message);
    expect(message.text).toContain(`${ORIGIN}/auth/verify-email?token=${token}`);
    const page = await env.auth.handle(request(`/auth/verify-email?token=${token}`));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/auth/verify-email">');
    const verified = await env.auth.handle(formPost("/auth/verify-email", token));
    expect(verified.status).toBe(303);
    expect(verified.headers.get("location")).toBe("/");
    expect(verified.headers.get("set-cookie")).toBeNull(); // verifying does not sign in

    const signedIn = await env.auth.handle(signInRequest());
    expect(signedIn.status).toBe(200);
    expect(await signedIn.json()).toMatchObject({ user: { email: ADA, emailVerified: true } });
    const trail = env.base.audit.events.map((e) => `${e.type}:${e.outcome}:${e.reason}`);
    expect(trail).toEqual([
      "sign_up:success:verification_required",
      "email_verification.requested:success:issued",
      "sign_in:failure:email_not_verified",
      "email_verification.redeemed:success:ok",
      "sign_in:success:ok",
    ]);
    expect(JSON.stringify(env.base.audit.events)).not.toContain(token);
  });

  test("ASVS 6.3.8: a taken address answers byte-identically to a new one, and its owner gets a notice", async () => {
    const env = setup({ magic: false, settings: REQUIRE });
    const fresh = await snapshot(await env.auth.handle(signUpRequest(ADA)));
    const taken = await snapshot(await env.auth.handle(signUpRequest(ADA, "a different password")));
    expect(taken).toEqual(fresh);
    expect(fresh).toMatchObject({ status: 202, body: '{"verificationRequired":true}' });

    const notice = lastMail(env.mail, "sign_up_conflict", ADA)!;
    expect(notice.subject).toBe("Sign-up attempt with your app.example address");
    expect(notice.text).toContain(`${ORIGIN}/`);
    expect(notice.text).not.toMatch(/token=/); // it informs, it grants nothing
    // Still exactly one account, with the first password.
    expect((await env.auth.handle(signInRequest(ADA, "a different password"))).status).toBe(401);
  });

  test("conflict notices are limited to one per address per hour", async () => {
    const env = setup({ magic: false, settings: REQUIRE });
    await env.auth.handle(signUpRequest(ADA));
    for (let i = 0; i < 3; i++) expect((await env.auth.handle(signUpRequest(ADA))).status).toBe(202);
    expect(env.mail.messages().filter((m) => m.kind === "sign_up_conflict")).toHaveLength(1);
    // The mark is the address's hash, not the address.
    expect(env.singleUse.puts.every((p) => !p.key.includes(ADA))).toBe(true);
  });

  test("a magic link also verifies, so it signs an unverified account in under requireVerifiedEmail", async () => {
    const env = setup({ settings: REQUIRE });
    await env.auth.handle(signUpRequest(ADA));
    await askForLink(env.auth, ADA);
    const response = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token: tokenOf(lastMail(env.mail, "magic_link", ADA)) }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user: { emailVerified: true } });
  });
});

describe("verification links", () => {
  test("sign-up without requireVerifiedEmail mails a link too; JSON redemption answers 200 with the user", async () => {
    const env = setup({ magic: false });
    await signUp(env.auth, ADA);
    const token = tokenOf(lastMail(env.mail, "verify_email", ADA));
    const response = await env.auth.handle(jsonPost("/auth/verify-email", { token }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: { id: expect.any(String), email: ADA, emailVerified: true, name: "Ada" } });
  });

  test("ASVS 6.5.1: single use; expired after exactly 10 minutes", async () => {
    const env = setup({ magic: false });
    const { cookie } = await signUp(env.auth, ADA);
    const first = tokenOf(lastMail(env.mail, "verify_email", ADA));
    expect((await env.auth.handle(request("/auth/verify-email/request", { method: "POST", cookie }))).status).toBe(202);
    const second = tokenOf(lastMail(env.mail, "verify_email", ADA));
    env.clock.advance(600_000);
    const expired = await env.auth.handle(jsonPost("/auth/verify-email", { token: first }));
    expect(expired.status).toBe(400);
    expect(await errorCode(expired)).toBe("invalid_token");
    env.clock.set(new Date(Date.parse("2026-03-01T12:00:00.000Z") + 599_999));
    expect((await env.auth.handle(jsonPost("/auth/verify-email", { token: second }))).status).toBe(200);
    const again = await env.auth.handle(jsonPost("/auth/verify-email", { token: second }));
    expect(again.status).toBe(400);
    expect(env.base.audit.events.at(-1)).toMatchObject({ type: "email_verification.redeemed", outcome: "failure", reason: "invalid_token" });
  });

  test("GET never consumes; the page has the same headers as the magic-link page", async () => {
    const env = setup({ magic: false });
    await signUp(env.auth, ADA);
    const token = tokenOf(lastMail(env.mail, "verify_email", ADA));
    const page = await env.auth.handle(request(`/auth/verify-email?token=${token}`));
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    await env.auth.handle(request(`/auth/verify-email?token=${token}`));
    expect((await env.auth.handle(jsonPost("/auth/verify-email", { token }))).status).toBe(200);
  });

  test("a link mailed to an old address does not verify the new one", async () => {
    const env = setup({ magic: false });
    await signUp(env.auth, ADA);
    const token = tokenOf(lastMail(env.mail, "verify_email", ADA));
    const user = await env.base.users.findByEmail(ADA);
    await env.base.users.update(user!.id, { email: "ada@new.example", updatedAt: new Date() });
    const response = await env.auth.handle(jsonPost("/auth/verify-email", { token }));
    expect(response.status).toBe(400);
    expect((await env.base.users.findById(user!.id))!.emailVerified).toBe(false);
  });

  test("tokens are stored only as verify_email:<sha256> keys", async () => {
    const env = setup({ magic: false });
    await signUp(env.auth, ADA);
    const token = tokenOf(lastMail(env.mail, "verify_email", ADA));
    const put = env.singleUse.puts.find((p) => p.key.startsWith("verify_email:"))!;
    expect(put.key).toBe(`verify_email:${await sha256Base64Url(token)}`);
    expect(put.value).not.toContain(token);
    expect(JSON.parse(put.value)).toMatchObject({ purpose: "verify_email", email: ADA, returnPath: "/" });
  });

  test("when the redemption's audit event cannot be written: 503 and the address stays unverified", async () => {
    const env = setup({ magic: false, stores: (base) => ({ audit: selectiveSink(base.audit, (e) => e.type === "email_verification.redeemed" && e.outcome === "success") }) });
    await signUp(env.auth, ADA);
    const token = tokenOf(lastMail(env.mail, "verify_email", ADA));
    const response = await env.auth.handle(jsonPost("/auth/verify-email", { token }));
    expect(response.status).toBe(503);
    expect((await env.base.users.findByEmail(ADA))!.emailVerified).toBe(false);
    const page = await env.auth.handle(formPost("/auth/verify-email", token));
    expect(page.status).toBe(400); // consumed: a new link is the remedy
  });
});

describe("purpose confusion", () => {
  test("a verification token is not a magic link, and trying it does not burn it", async () => {
    const env = setup();
    await signUp(env.auth, ADA);
    const verifyToken = tokenOf(lastMail(env.mail, "verify_email", ADA));
    const asMagic = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token: verifyToken }));
    expect(asMagic.status).toBe(400);
    expect(await errorCode(asMagic)).toBe("invalid_token");
    expect(asMagic.headers.get("set-cookie")).toBeNull();
    expect((await env.auth.handle(jsonPost("/auth/verify-email", { token: verifyToken }))).status).toBe(200);
  });

  test("a magic link is not a verification token, and trying it does not burn it", async () => {
    const env = setup();
    await signUp(env.auth, ADA);
    await askForLink(env.auth, ADA);
    const magicToken = tokenOf(lastMail(env.mail, "magic_link", ADA));
    const asVerify = await env.auth.handle(jsonPost("/auth/verify-email", { token: magicToken }));
    expect(asVerify.status).toBe(400);
    expect((await env.base.users.findByEmail(ADA))!.emailVerified).toBe(false);
    expect((await env.auth.handle(jsonPost("/auth/magic-link/verify", { token: magicToken }))).status).toBe(200);
  });

  test("a session token is neither", async () => {
    const env = setup();
    const { cookie } = await signUp(env.auth, ADA);
    const sessionToken = cookie.split("=")[1]!;
    expect((await env.auth.handle(jsonPost("/auth/magic-link/verify", { token: sessionToken }))).status).toBe(400);
    expect((await env.auth.handle(jsonPost("/auth/verify-email", { token: sessionToken }))).status).toBe(400);
  });
});

describe("POST /auth/verify-email/request", () => {
  test("signed in and unverified: a new link (202 {sent:true}); verified: no mail (202 {sent:false})", async () => {
    const env = setup({ magic: false });
    const { cookie } = await signUp(env.auth, ADA);
    env.mail.clear();
    const response = await env.auth.handle(request("/auth/verify-email/request", { method: "POST", cookie }));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ sent: true });
    const token = tokenOf(lastMail(env.mail, "verify_email", ADA));
    await env.auth.handle(jsonPost("/auth/verify-email", { token }));
    env.mail.clear();
    const again = await env.auth.handle(request("/auth/verify-email/request", { method: "POST", cookie }));
    expect(await again.json()).toEqual({ sent: false });
    expect(env.mail.messages()).toEqual([]);
  });

  test("a return path travels with the link and is made same-origin", async () => {
    const env = setup({ magic: false });
    const { cookie } = await signUp(env.auth, ADA);
    await env.auth.handle(request("/auth/verify-email/request", { body: { return: "/settings?tab=email" }, cookie }));
    const good = tokenOf(lastMail(env.mail, "verify_email", ADA));
    await env.auth.handle(request("/auth/verify-email/request", { body: { return: "//evil.test/x" }, cookie }));
    const evil = tokenOf(lastMail(env.mail, "verify_email", ADA));
    const landed = await env.auth.handle(formPost("/auth/verify-email", evil));
    expect(landed.status).toBe(303);
    expect(landed.headers.get("location")).toBe("/");
    // Already verified by then: the link still works and lands where it was asked to.
    const ok = await env.auth.handle(formPost("/auth/verify-email", good));
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/settings?tab=email");
  });

  test("signed out with {email}: one answer for every address; a link only to an unverified account", async () => {
    const env = setup({ magic: false, settings: REQUIRE });
    await env.auth.handle(signUpRequest(ADA));
    await env.auth.handle(signUpRequest("bob@example.com"));
    await env.auth.handle(jsonPost("/auth/verify-email", { token: tokenOf(lastMail(env.mail, "verify_email", "bob@example.com")) }));
    env.mail.clear();
    const ask = (email: string) => env.auth.handle(request("/auth/verify-email/request", { body: { email } }));
    const unverified = await snapshot(await ask(ADA));
    const verified = await snapshot(await ask("bob@example.com"));
    const unknown = await snapshot(await ask("nobody@example.com"));
    expect(unverified).toMatchObject({ status: 202, body: '{"sent":true}' });
    expect(verified).toEqual(unverified);
    expect(unknown).toEqual(unverified);
    expect(env.mail.messages().map((m) => m.to)).toEqual([ADA]);
    // The expired-link way out: the new link verifies, and sign-in works.
    await env.auth.handle(jsonPost("/auth/verify-email", { token: tokenOf(lastMail(env.mail, "verify_email", ADA)) }));
    expect((await env.auth.handle(signInRequest())).status).toBe(200);
  });

  test("signed out without an address: 401; with an API key: not a session either", async () => {
    const env = setup({ magic: false });
    const response = await env.auth.handle(request("/auth/verify-email/request", { method: "POST" }));
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe("unauthenticated");
    await signUp(env.auth, ADA);
    env.mail.clear();
    const owner = await env.base.users.findByEmail(ADA);
    const { key } = await issueApiKey(env.base.apiKeys, { ownerId: owner!.id, tenantId: null, name: "ci", scopes: [], env: "live" }, { clock: env.clock, random: cryptoRandom });
    const withKey = await env.auth.handle(request("/auth/verify-email/request", { method: "POST", bearer: key }));
    expect(withKey.status).toBe(401);
    expect(env.mail.messages()).toEqual([]);
  });

  test("a cookie from another site cannot ask (CSRF)", async () => {
    const env = setup({ magic: false });
    const { cookie } = await signUp(env.auth, ADA);
    const response = await env.auth.handle(request("/auth/verify-email/request", { method: "POST", cookie, headers: { origin: "https://evil.test" } }));
    expect(response.status).toBe(403);
  });
});

describe("a failing mailer", () => {
  test("sign-up still succeeds (the account exists; a link can be asked for again) and the failure is audited", async () => {
    const mailer = failingMailer();
    const env = setup({ magic: false, mailer });
    const { cookie } = await signUp(env.auth, ADA);
    expect(mailer.attempts).toHaveLength(1);
    expect(env.base.audit.events.at(-1)).toMatchObject({ type: "email_verification.requested", outcome: "failure", reason: "mail_failed" });
    // Signed in, asking for one's own link: nothing to hide, so a 503 says "try again".
    const response = await env.auth.handle(request("/auth/verify-email/request", { method: "POST", cookie }));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.json()).toEqual({ error: { code: "storage_unavailable", message: "the email could not be sent; try again" } });
  });

  test("signed out: still 202 for every address (a 503 would say the address has an unverified account)", async () => {
    const mailer = failingMailer();
    const env = setup({ magic: false, mailer, settings: REQUIRE });
    await env.auth.handle(signUpRequest(ADA));
    const ask = (email: string) => env.auth.handle(request("/auth/verify-email/request", { body: { email } }));
    expect(await snapshot(await ask(ADA))).toEqual(await snapshot(await ask("nobody@example.com")));
  });

  test("under requireVerifiedEmail a new and a taken address still answer alike", async () => {
    const env = setup({ magic: false, mailer: failingMailer(), settings: REQUIRE });
    const fresh = await snapshot(await env.auth.handle(signUpRequest(ADA)));
    expect(await snapshot(await env.auth.handle(signUpRequest(ADA)))).toEqual(fresh);
  });
});

describe("the signed-in cookie after a magic link", () => {
  test("is a normal session (sign-out works)", async () => {
    const env = setup();
    await signUp(env.auth, ADA);
    await askForLink(env.auth, ADA);
    const signedIn = await env.auth.handle(formPost("/auth/magic-link/verify", tokenOf(lastMail(env.mail, "magic_link", ADA))));
    const cookie = cookieFrom(signedIn);
    expect((await env.auth.handle(request("/auth/sign-out", { method: "POST", cookie }))).status).toBe(204);
    expect((await env.auth.handle(request("/auth/session", { cookie }))).status).toBe(401);
  });
});
