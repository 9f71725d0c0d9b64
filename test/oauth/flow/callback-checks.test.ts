import { describe, expect, test } from "vitest";
import { call, errorOf, makeFixture, profile, SESSION, setCookie, start, BINDING } from "./fixture.js";

const ADA = profile("g-1", "ada@example.com");

/** Every refused callback: no session cookie, the binding cookie cleared, nothing exchanged. */
async function expectRefused(response: Response, reason: string, code = "oauth_failed"): Promise<void> {
  expect(setCookie(response, SESSION)).toBeNull();
  expect(setCookie(response, BINDING)).toMatch(/^__Host-portcullis-oauth=; .*Max-Age=0/);
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(await errorOf(response)).toMatchObject({ code, reason });
}

describe("callback checks (RFC 9700, ASVS V10)", () => {
  test("an unknown or forged state is refused before any exchange", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const callback = new URL(fixture.google.approve(started.location, ADA));
    callback.searchParams.set("state", "A".repeat(43));
    const response = await call(fixture.auth, callback.href, { cookie: started.binding });
    expect(response.status).toBe(400);
    await expectRefused(response, "unknown_state");
    expect(fixture.google.exchangeCalls).toHaveLength(0);
    expect(fixture.audit.events.at(-1)).toMatchObject({ type: "oauth_callback", outcome: "failure", reason: "unknown_state", detail: { provider: "google" } });
  });

  test("a missing or malformed state is refused", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const callback = new URL(fixture.google.approve(started.location, ADA));
    callback.searchParams.delete("state");
    await expectRefused(await call(fixture.auth, callback.href, { cookie: started.binding }), "missing_state");
    callback.searchParams.set("state", "not a state");
    await expectRefused(await call(fixture.auth, callback.href, { cookie: started.binding }), "unknown_state");
  });

  test("a repeated state or code parameter is refused (parameter pollution)", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const callback = fixture.google.approve(started.location, ADA);
    await expectRefused(await call(fixture.auth, `${callback}&code=other`, { cookie: started.binding }), "invalid_callback");
    await expectRefused(await call(fixture.auth, `${callback}&state=${"B".repeat(43)}`, { cookie: started.binding }), "invalid_callback");
  });

  test("a replayed callback (same code and state) fails: the state completes once", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const callback = fixture.google.approve(started.location, ADA);
    expect((await call(fixture.auth, callback, { cookie: started.binding })).status).toBe(303);
    const replay = await call(fixture.auth, callback, { cookie: started.binding });
    expect(replay.status).toBe(400);
    await expectRefused(replay, "unknown_state");
    expect(fixture.google.exchangeCalls).toHaveLength(1);
  });

  test("a callback without the binding cookie is refused, and the state is spent", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const callback = fixture.google.approve(started.location, ADA);
    await expectRefused(await call(fixture.auth, callback), "missing_binding");
    expect(fixture.google.exchangeCalls).toHaveLength(0);
    // Even the right browser cannot finish it afterwards.
    await expectRefused(await call(fixture.auth, callback, { cookie: started.binding }), "unknown_state");
  });

  test("another browser's binding cookie does not complete this flow (login CSRF / code injection)", async () => {
    const fixture = makeFixture();
    const attacker = await start(fixture.auth, "google");
    const victim = await start(fixture.auth, "google");
    // The attacker's own code and state, delivered to the victim's browser.
    const planted = fixture.google.approve(attacker.location, profile("attacker", "attacker@example.com"));
    const response = await call(fixture.auth, planted, { cookie: victim.binding });
    expect(response.status).toBe(400);
    await expectRefused(response, "binding_mismatch");
    expect(fixture.google.exchangeCalls).toHaveLength(0);
    expect(await fixture.stores.users.findByEmail("attacker@example.com")).toBeNull();
    // A made-up binding value fails the same way.
    const next = await start(fixture.auth, "google");
    const callback = fixture.google.approve(next.location, ADA);
    await expectRefused(await call(fixture.auth, callback, { cookie: `${BINDING}=${"x".repeat(43)}` }), "binding_mismatch");
  });

  test("a callback for a different provider than the flow started with is refused (mix-up)", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "github");
    const callback = new URL(fixture.github.approve(started.location, ADA));
    callback.pathname = "/auth/oauth/google/callback";
    const response = await call(fixture.auth, callback.href, { cookie: started.binding });
    expect(response.status).toBe(400);
    await expectRefused(response, "provider_mismatch");
    expect(fixture.google.exchangeCalls).toHaveLength(0);
    expect(fixture.github.exchangeCalls).toHaveLength(0);
  });

  test("an expired state is refused (injected clock), even if the store still holds it", async () => {
    const fixture = makeFixture({ oauth: { stateTtlSeconds: 120 } });
    const started = await start(fixture.auth, "google");
    const callback = fixture.google.approve(started.location, ADA);
    fixture.clock.advance(120_000);
    const response = await call(fixture.auth, callback, { cookie: started.binding });
    // The memory store follows the same clock and has already dropped it.
    expect(response.status).toBe(400);
    await expectRefused(response, "unknown_state");
    expect(fixture.google.exchangeCalls).toHaveLength(0);
  });

  test("the flow's own expiry check holds when the store's TTL lags behind", async () => {
    // A store whose clock lags (a backend that expires lazily) still hands the record back.
    const { memorySingleUseStore } = await import("../../../src/adapters/memory/index.js");
    const lagging = memorySingleUseStore({ clock: { now: () => new Date(0) } });
    const fixture = makeFixture({ stores: { singleUse: lagging } });
    const started = await start(fixture.auth, "google");
    const callback = fixture.google.approve(started.location, ADA);
    fixture.clock.advance(601_000);
    await expectRefused(await call(fixture.auth, callback, { cookie: started.binding }), "expired_state");
    expect(fixture.google.exchangeCalls).toHaveLength(0);
  });

  test("just inside the TTL the callback still works", async () => {
    const fixture = makeFixture({ oauth: { stateTtlSeconds: 120 } });
    const started = await start(fixture.auth, "google");
    const callback = fixture.google.approve(started.location, ADA);
    fixture.clock.advance(119_000);
    expect((await call(fixture.auth, callback, { cookie: started.binding })).status).toBe(303);
  });

  test("the provider's error=access_denied is oauth_failed / provider_error, audited without the provider's text", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const denied = fixture.google.deny(started.location);
    const response = await call(fixture.auth, `${denied}&error_description=${encodeURIComponent("<script>x</script>")}`, { cookie: started.binding });
    expect(response.status).toBe(400);
    await expectRefused(response, "provider_error");
    expect(fixture.audit.events.at(-1)).toMatchObject({ type: "oauth_callback", reason: "provider_error", detail: { provider: "google", providerError: "access_denied" } });
    expect(JSON.stringify(fixture.audit.events)).not.toContain("script");
  });

  test("a callback with no code is refused", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const callback = new URL(fixture.google.approve(started.location, ADA));
    callback.searchParams.delete("code");
    await expectRefused(await call(fixture.auth, callback.href, { cookie: started.binding }), "missing_code");
  });

  test("a provider refusal at exchange is oauth_failed / exchange_failed with the provider's stable reason", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const callback = new URL(fixture.google.approve(started.location, ADA));
    callback.searchParams.set("code", "guessed-code");
    const response = await call(fixture.auth, callback.href, { cookie: started.binding });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: "oauth_failed", message: "sign-in with the provider failed", reason: "exchange_failed", providerReason: "token_exchange_failed" });
  });

  test("with errorRedirect, a failure answers 303 to the page with only the code, and clears the binding cookie", async () => {
    const fixture = makeFixture({ oauth: { errorRedirect: "/auth/sign-in" } });
    const started = await start(fixture.auth, "google");
    const callback = fixture.google.approve(started.location, ADA);
    const response = await call(fixture.auth, callback);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/auth/sign-in?error=oauth_failed");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(setCookie(response, SESSION)).toBeNull();
    expect(setCookie(response, BINDING)).toMatch(/Max-Age=0/);
    expect(await response.text()).toBe("");
  });

  test("a state of one purpose is not a session: presenting it as a session cookie authenticates nobody", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const asSession = await call(fixture.auth, "/auth/session", { cookie: `${SESSION}=${started.state}` });
    expect(asSession.status).toBe(401);
    const binding = started.binding.split("=")[1]!;
    expect((await call(fixture.auth, "/auth/session", { cookie: `${SESSION}=${binding}` })).status).toBe(401);
  });
});
