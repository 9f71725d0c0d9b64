import { describe, expect, test } from "vitest";
import { call, cookiePair, errorOf, makeFixture, passwordUser, profile, SESSION, sessionFor, setCookie, signInWith, type Fixture } from "./fixture.js";

/** Starts a link with a session (fetch style), consents at the IdP, returns the callback's answer. */
async function link(fixture: Fixture, providerId: "google" | "github", session: string, who: ReturnType<typeof profile>, returnTo = "/settings"): Promise<Response> {
  const provider = providerId === "google" ? fixture.google : fixture.github;
  const started = await call(fixture.auth, `/auth/oauth/${providerId}/link?return=${encodeURIComponent(returnTo)}`, {
    method: "POST",
    cookie: session,
    headers: { accept: "application/json", origin: "https://app.example" },
  });
  if (started.status !== 200) throw new Error(`link start: ${started.status} ${await started.text()}`);
  const { url } = (await started.json()) as { url: string };
  const binding = cookiePair(setCookie(started, "__Host-portcullis-oauth"));
  return call(fixture.auth, provider.approve(url, who), { cookie: `${binding}; ${session}` });
}

async function identifiers(fixture: Fixture, email: string): Promise<(string | null)[]> {
  const user = await fixture.stores.users.findByEmail(email);
  // Sorted (password's null first): credentials created in one frozen instant have no order.
  const list = (await fixture.stores.credentials.listByUser(user!.id)).map((c) => c.identifier);
  return list.sort((a, b) => (a === null ? -1 : b === null ? 1 : a.localeCompare(b)));
}

describe("automatic linking by email (ASVS 6.8: only when both sides verified the address)", () => {
  const matrix = [
    { provider: true, local: true, linked: true },
    { provider: true, local: false, linked: false },
    { provider: false, local: true, linked: false },
    { provider: false, local: false, linked: false },
  ];
  for (const row of matrix) {
    test(`provider email verified=${row.provider}, local email verified=${row.local} -> ${row.linked ? "linked, signed in" : "account_exists"}`, async () => {
      const fixture = makeFixture();
      const local = await passwordUser(fixture.auth, "ada@example.com", row.local, fixture.stores);
      const { response } = await signInWith(fixture, fixture.google, profile("g-1", "ADA@example.com", row.provider));
      if (row.linked) {
        expect(response.status).toBe(303);
        const me = (await (await call(fixture.auth, "/auth/session", { cookie: cookiePair(setCookie(response, SESSION)) })).json()) as { user: { id: string } };
        expect(me.user.id).toBe(local.id);
        expect(await identifiers(fixture, "ada@example.com")).toEqual([null, "google:g-1"]);
        expect(fixture.audit.events.find((e) => e.type === "oauth_linked")).toMatchObject({ outcome: "success", userId: local.id, detail: { provider: "google", how: "auto" } });
      } else {
        expect(response.status).toBe(409);
        expect(setCookie(response, SESSION)).toBeNull();
        expect(await errorOf(response)).toMatchObject({ code: "account_exists" });
        expect(await identifiers(fixture, "ada@example.com")).toEqual([null]);
        expect(fixture.audit.events.at(-1)).toMatchObject({ type: "oauth_callback", outcome: "failure", reason: "account_exists" });
      }
    });
  }

  test("a provider that sends emailVerified as something other than true does not verify", async () => {
    const fixture = makeFixture();
    await passwordUser(fixture.auth, "ada@example.com", true, fixture.stores);
    const sneaky = { subject: "g-1", email: "ada@example.com", emailVerified: "true" as unknown as boolean, name: null };
    const { response } = await signInWith(fixture, fixture.google, sneaky);
    expect(response.status).toBe(409);
  });

  test("auto-link never adds a second account of the same provider", async () => {
    const fixture = makeFixture();
    const local = await passwordUser(fixture.auth, "ada@example.com", true, fixture.stores);
    expect((await link(fixture, "google", local.cookie, profile("g-1", "other@example.com"))).status).toBe(303);
    const { response } = await signInWith(fixture, fixture.google, profile("g-2", "ada@example.com", true));
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toMatchObject({ code: "account_exists", reason: "provider_already_linked" });
  });

  test("service-account addresses and malformed provider emails never name an account", async () => {
    const fixture = makeFixture();
    const reserved = await signInWith(fixture, fixture.google, profile("g-1", "deploy-bot@service.invalid", true));
    expect(await errorOf(reserved.response)).toMatchObject({ code: "oauth_failed", reason: "email_invalid" });
    const twoAts = await signInWith(fixture, fixture.google, profile("g-2", "a@b.com,victim@example.com", true));
    expect(await errorOf(twoAts.response)).toMatchObject({ code: "oauth_failed", reason: "email_invalid" });
  });
});

describe("linking while signed in", () => {
  test("POST /oauth/P/link with a session adds the provider; the callback lands on the return path; sign-in then works", async () => {
    const fixture = makeFixture();
    const local = await passwordUser(fixture.auth, "ada@example.com", false, fixture.stores);
    // Any provider email, verified or not: the person proved both accounts in one browser session.
    const response = await link(fixture, "github", local.cookie, profile("1234", "ada@users.noreply.test", false));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/settings");
    expect(setCookie(response, SESSION)).toBeNull(); // the existing session stays
    expect(await identifiers(fixture, "ada@example.com")).toEqual([null, "github:1234"]);
    expect(fixture.audit.events.at(-1)).toMatchObject({ type: "oauth_linked", outcome: "success", userId: local.id, detail: { provider: "github", how: "link" } });

    const { response: signIn } = await signInWith(fixture, fixture.github, profile("1234", "whatever@example.com", false));
    expect(signIn.status).toBe(303);
    const me = (await (await call(fixture.auth, "/auth/session", { cookie: cookiePair(setCookie(signIn, SESSION)) })).json()) as { user: { id: string } };
    expect(me.user.id).toBe(local.id);
  });

  test("without Accept: application/json the link start is a 303 to the provider", async () => {
    const fixture = makeFixture();
    const local = await passwordUser(fixture.auth, "ada@example.com", false, fixture.stores);
    const response = await call(fixture.auth, "/auth/oauth/google/link", { method: "POST", cookie: local.cookie });
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get("location")!).origin).toBe("https://google.idp.test");
    expect(setCookie(response, "__Host-portcullis-oauth")).not.toBeNull();
  });

  test("link needs a session, and is CSRF-protected", async () => {
    const fixture = makeFixture();
    const anonymous = await call(fixture.auth, "/auth/oauth/google/link", { method: "POST" });
    expect(anonymous.status).toBe(401);
    const local = await passwordUser(fixture.auth, "ada@example.com", false, fixture.stores);
    const crossSite = await call(fixture.auth, "/auth/oauth/google/link", { method: "POST", cookie: local.cookie, headers: { origin: "https://evil.test" } });
    expect(crossSite.status).toBe(403);
    expect(await errorOf(crossSite)).toMatchObject({ code: "csrf_rejected" });
  });

  test("a subject already bound to another user is refused, and stays with its owner", async () => {
    const fixture = makeFixture();
    await sessionFor(fixture, fixture.google, profile("g-1", "owner@example.com"));
    const local = await passwordUser(fixture.auth, "ada@example.com", true, fixture.stores);
    const response = await link(fixture, "google", local.cookie, profile("g-1", "owner@example.com"));
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toMatchObject({ code: "credential_taken", reason: "linked_to_another_user" });
    expect(await identifiers(fixture, "ada@example.com")).toEqual([null]);
    expect(await identifiers(fixture, "owner@example.com")).toEqual(["google:g-1"]);
  });

  test("linking the same account again is a no-op success", async () => {
    const fixture = makeFixture();
    const local = await passwordUser(fixture.auth, "ada@example.com", true, fixture.stores);
    expect((await link(fixture, "google", local.cookie, profile("g-1", "x@example.com"))).status).toBe(303);
    expect((await link(fixture, "google", local.cookie, profile("g-1", "x@example.com"))).status).toBe(303);
    expect(await identifiers(fixture, "ada@example.com")).toEqual([null, "google:g-1"]);
  });

  test("the link callback must come from the same signed-in user", async () => {
    const fixture = makeFixture();
    const ada = await passwordUser(fixture.auth, "ada@example.com", true, fixture.stores);
    const bob = await passwordUser(fixture.auth, "bob@example.com", true, fixture.stores);
    const started = await call(fixture.auth, "/auth/oauth/google/link", { method: "POST", cookie: ada.cookie, headers: { accept: "application/json" } });
    const { url } = (await started.json()) as { url: string };
    const binding = cookiePair(setCookie(started, "__Host-portcullis-oauth"));
    const callback = fixture.google.approve(url, profile("g-1", "x@example.com"));
    const response = await call(fixture.auth, callback, { cookie: `${binding}; ${bob.cookie}` });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: "oauth_failed", reason: "session_mismatch" });
    expect(fixture.google.exchangeCalls).toHaveLength(0);
    expect(await identifiers(fixture, "bob@example.com")).toEqual([null]);
    expect(await identifiers(fixture, "ada@example.com")).toEqual([null]);

    // Signed out by the time the provider answers: no link either.
    const again = await call(fixture.auth, "/auth/oauth/google/link", { method: "POST", cookie: ada.cookie, headers: { accept: "application/json" } });
    const next = (await again.json()) as { url: string };
    const response2 = await call(fixture.auth, fixture.google.approve(next.url, profile("g-1", "x@example.com")), { cookie: cookiePair(setCookie(again, "__Host-portcullis-oauth")) });
    expect(response2.status).toBe(401);
    expect(await identifiers(fixture, "ada@example.com")).toEqual([null]);
  });

  test("a failing audit write takes the link back (fail closed)", async () => {
    const fixture = makeFixture();
    const local = await passwordUser(fixture.auth, "ada@example.com", true, fixture.stores);
    const write = fixture.audit.write.bind(fixture.audit);
    fixture.audit.write = async (event) => {
      if (event.type === "oauth_linked") throw new Error("sink down");
      return write(event);
    };
    const response = await link(fixture, "google", local.cookie, profile("g-1", "x@example.com"));
    expect(response.status).toBe(503);
    expect(await identifiers(fixture, "ada@example.com")).toEqual([null]);
  });
});

describe("unlink and the accounts list", () => {
  test("GET /oauth/accounts lists the caller's own providers with linkedAt, never a subject", async () => {
    const fixture = makeFixture();
    const session = await sessionFor(fixture, fixture.google, profile("g-secret-subject", "ada@example.com"));
    await sessionFor(fixture, fixture.github, profile("other-subject", "bob@example.com"));
    expect((await link(fixture, "github", session, profile("gh-1", "ada@example.com"))).status).toBe(303);
    const response = await call(fixture.auth, "/auth/oauth/accounts", { cookie: session });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      accounts: expect.arrayContaining([
        { provider: "google", linkedAt: "2026-03-01T12:00:00.000Z" },
        { provider: "github", linkedAt: "2026-03-01T12:00:00.000Z" },
      ]),
    });
    expect(JSON.parse(text).accounts).toHaveLength(2);
    expect(text).not.toContain("subject");
    expect((await call(fixture.auth, "/auth/oauth/accounts")).status).toBe(401);
  });

  test("unlinking the last way to sign in is refused with last_credential", async () => {
    const fixture = makeFixture();
    const session = await sessionFor(fixture, fixture.google, profile("g-1", "ada@example.com"));
    const response = await call(fixture.auth, "/auth/oauth/unlink", { body: { provider: "google" }, cookie: session });
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toMatchObject({ code: "last_credential" });
    expect(await identifiers(fixture, "ada@example.com")).toEqual(["google:g-1"]);
    expect(fixture.audit.events.at(-1)).toMatchObject({ type: "oauth_unlinked", outcome: "failure", reason: "last_credential" });
  });

  test("unlink removes a provider when a password or another provider remains", async () => {
    const fixture = makeFixture();
    const local = await passwordUser(fixture.auth, "ada@example.com", true, fixture.stores);
    await link(fixture, "google", local.cookie, profile("g-1", "ada@example.com"));
    await link(fixture, "github", local.cookie, profile("gh-1", "ada@example.com"));
    expect((await call(fixture.auth, "/auth/oauth/unlink", { body: { provider: "google" }, cookie: local.cookie })).status).toBe(204);
    expect(await identifiers(fixture, "ada@example.com")).toEqual([null, "github:gh-1"]);
    expect(fixture.audit.events.at(-1)).toMatchObject({ type: "oauth_unlinked", outcome: "success", detail: { provider: "google" } });
    // The unlinked provider account no longer reaches this user (it would need the email rules again).
    expect((await call(fixture.auth, "/auth/oauth/unlink", { body: { provider: "google" }, cookie: local.cookie })).status).toBe(404);
  });

  test("two providers and no password: one may go, the other is the last", async () => {
    const fixture = makeFixture();
    const session = await sessionFor(fixture, fixture.google, profile("g-1", "ada@example.com"));
    await link(fixture, "github", session, profile("gh-1", "ada@example.com"));
    const [first, second] = await Promise.all([
      call(fixture.auth, "/auth/oauth/unlink", { body: { provider: "google" }, cookie: session }),
      call(fixture.auth, "/auth/oauth/unlink", { body: { provider: "github" }, cookie: session }),
    ]);
    // Concurrent unlinks never leave the account with nothing.
    expect([first!.status, second!.status].sort()).toEqual([204, 409]);
    expect(await identifiers(fixture, "ada@example.com")).toHaveLength(1);
  });

  test("unlink needs a session and a valid provider id", async () => {
    const fixture = makeFixture();
    expect((await call(fixture.auth, "/auth/oauth/unlink", { body: { provider: "google" } })).status).toBe(401);
    const session = await sessionFor(fixture, fixture.google, profile("g-1", "ada@example.com"));
    const bad = await call(fixture.auth, "/auth/oauth/unlink", { body: { provider: "Google:1" }, cookie: session });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ code: "invalid_request" });
  });
});
