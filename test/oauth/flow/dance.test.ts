import { describe, expect, test } from "vitest";
import { sha256Base64Url } from "../../../src/core/encoding.js";
import { createAuth } from "../../../src/create-auth.js";
import { memoryStores } from "../../../src/adapters/memory/index.js";
import { oauth } from "../../../src/oauth/index.js";
import { fastHasher } from "../../helpers/harness.js";
import { BINDING, call, cookiePair, fakeProvider, makeFixture, ORIGIN, profile, SESSION, setCookie, signInWith, start } from "./fixture.js";
import { emailPassword } from "../../../src/credentials/password/index.js";

describe("the redirect dance", () => {
  test("start -> provider -> callback signs a new person in with a session cookie and lands on the return path", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google", "/dashboard?tab=1");
    const location = new URL(started.location);
    expect(location.origin).toBe("https://google.idp.test");
    expect(location.searchParams.get("redirect_uri")).toBe(`${ORIGIN}/auth/oauth/google/callback`);
    expect(started.response.headers.get("cache-control")).toBe("no-store");
    expect(started.response.headers.get("referrer-policy")).toBe("no-referrer");

    const callback = fixture.google.approve(started.location, profile("g-1", "Ada@Example.com", true, "Ada L"));
    const response = await call(fixture.auth, callback, { cookie: started.binding });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/dashboard?tab=1");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toBe("no-store");
    // The session is set and the binding cookie cleared in the same answer.
    const session = cookiePair(setCookie(response, SESSION));
    expect(setCookie(response, BINDING)).toMatch(/^__Host-portcullis-oauth=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax; Secure$/);

    const me = await call(fixture.auth, "/auth/session", { cookie: session });
    expect(me.status).toBe(200);
    const body = (await me.json()) as { user: { email: string; emailVerified: boolean; name: string }; session: { amr: string[] } };
    expect(body.user).toMatchObject({ email: "ada@example.com", emailVerified: true, name: "Ada L" });
    expect(body.session.amr).toEqual(["fed"]);

    const user = await fixture.stores.users.findByEmail("ada@example.com");
    const credentials = await fixture.stores.credentials.listByUser(user!.id);
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ type: "oauth", identifier: "google:g-1", secret: "" });
    const types = fixture.audit.events.map((event) => `${event.type}:${event.outcome}`);
    expect(types).toEqual(["sign_up:success", "sign_in:success"]);
    expect(fixture.audit.events.at(-1)).toMatchObject({ userId: user!.id, detail: { method: "oauth:google" } });
  });

  test("the binding cookie: HttpOnly, SameSite=Lax, Secure, Path=/, Max-Age = the state TTL; 32 random bytes of state", async () => {
    const fixture = makeFixture({ oauth: { stateTtlSeconds: 300 } });
    const started = await start(fixture.auth, "google");
    expect(setCookie(started.response, BINDING)).toMatch(/^__Host-portcullis-oauth=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=300; HttpOnly; SameSite=Lax; Secure$/);
    expect(started.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await start(fixture.auth, "google");
    expect(again.state).not.toBe(started.state);
    expect(again.binding).not.toBe(started.binding);
  });

  test("without secure cookies the binding cookie drops the __Host- prefix and Secure", async () => {
    const fixture = makeFixture({ settings: { cookie: { name: "portcullis", secure: false } } });
    const response = await call(fixture.auth, "/auth/oauth/google/start");
    expect(setCookie(response, "portcullis-oauth")).toMatch(/^portcullis-oauth=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
  });

  test("the state record is stored under a hash of the state, never the raw state, and holds no binding secret", async () => {
    const stores = memoryStores();
    const puts: { key: string; value: string; ttl: number }[] = [];
    const singleUse = { ...stores.singleUse, put: async (key: string, value: string, ttl: number) => (puts.push({ key, value, ttl }), stores.singleUse.put(key, value, ttl)) };
    const fixture = makeFixture({ stores: { singleUse } });
    const started = await start(fixture.auth, "google", "/x");
    expect(puts).toHaveLength(1);
    const [put] = puts;
    expect(put!.key).toBe(`oauth-state:${await sha256Base64Url(started.state)}`);
    expect(put!.key).not.toContain(started.state);
    expect(put!.ttl).toBe(600);
    const secret = started.binding.split("=")[1]!;
    expect(put!.value).not.toContain(secret);
    expect(put!.value).not.toContain(started.state);
    expect(JSON.parse(put!.value)).toMatchObject({ provider: "google", returnTo: "/x", intent: "sign_in", userId: null, binding: await sha256Base64Url(secret) });
  });

  test("PKCE (RFC 7636 S256): the challenge sent equals S256 of the verifier handed to exchange", async () => {
    const fixture = makeFixture();
    const { response } = await signInWith(fixture, fixture.google, profile("g-1", "ada@example.com"));
    expect(response.status).toBe(303);
    const sent = fixture.google.authorizeCalls[0]!;
    const exchanged = fixture.google.exchangeCalls[0]!;
    expect(exchanged.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(sent.codeChallenge).toBe(await sha256Base64Url(exchanged.codeVerifier));
    expect(sent.codeChallenge).not.toBe(exchanged.codeVerifier);
    expect(exchanged.redirectUri).toBe(sent.redirectUri);
  });

  test("the nonce goes through for OIDC providers, and is null for OAuth 2.0 ones", async () => {
    const fixture = makeFixture();
    await signInWith(fixture, fixture.google, profile("g-1", "ada@example.com"));
    await signInWith(fixture, fixture.github, profile("1234", "bob@example.com"));
    const oidcNonce = fixture.google.authorizeCalls[0]!.nonce;
    expect(oidcNonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fixture.google.exchangeCalls[0]!.nonce).toBe(oidcNonce);
    expect(fixture.github.authorizeCalls[0]!.nonce).toBeNull();
    expect(fixture.github.exchangeCalls[0]!.nonce).toBeNull();
  });

  test("RFC 9207: the callback's iss reaches the provider's exchange", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const callback = fixture.google.approve(started.location, profile("g-1", "ada@example.com"), { iss: "https://accounts.google.test" });
    expect((await call(fixture.auth, callback, { cookie: started.binding })).status).toBe(303);
    expect(fixture.google.exchangeCalls[0]!.issuer).toBe("https://accounts.google.test");
  });

  test("a returning person signs in to the same account by (provider, subject), even after changing email at the provider", async () => {
    const fixture = makeFixture();
    await signInWith(fixture, fixture.google, profile("g-1", "ada@example.com"));
    const again = await signInWith(fixture, fixture.google, profile("g-1", "ada.new@example.com"));
    expect(again.response.status).toBe(303);
    const session = cookiePair(setCookie(again.response, SESSION));
    const me = (await (await call(fixture.auth, "/auth/session", { cookie: session })).json()) as { user: { email: string } };
    expect(me.user.email).toBe("ada@example.com");
    expect(await fixture.stores.users.findByEmail("ada.new@example.com")).toBeNull();
  });

  test("the same subject at two providers is two identities: identity is never the subject alone", async () => {
    const fixture = makeFixture();
    await signInWith(fixture, fixture.google, profile("42", "ada@example.com", true));
    // GitHub's user 42, unverified email of a different address: a new account, not Ada's.
    const { response } = await signInWith(fixture, fixture.github, profile("42", "mallory@example.com", false));
    expect(response.status).toBe(303);
    const ada = await fixture.stores.users.findByEmail("ada@example.com");
    expect((await fixture.stores.credentials.listByUser(ada!.id)).map((c) => c.identifier)).toEqual(["google:42"]);
  });

  test("redirect URIs follow the configured origin and base path, never the Host header", async () => {
    const stores = memoryStores();
    const provider = fakeProvider("acme");
    const auth = createAuth({ stores, settings: { basePath: "/id", publicOrigin: "https://login.example.com" }, plugins: [emailPassword({ hasher: fastHasher() }), oauth({ providers: [provider] })] });
    const response = await auth.handle(new Request("https://attacker.test/id/oauth/acme/start", { headers: { host: "attacker.test", "x-forwarded-host": "attacker.test" } }));
    expect(response.status).toBe(303);
    expect(provider.authorizeCalls[0]!.redirectUri).toBe("https://login.example.com/id/oauth/acme/callback");
  });

  test("a new account with an unverified provider email is created unverified; without an email there is no account", async () => {
    const fixture = makeFixture();
    const unverified = await signInWith(fixture, fixture.github, profile("7", "bob@example.com", false, null));
    expect(unverified.response.status).toBe(303);
    const bob = await fixture.stores.users.findByEmail("bob@example.com");
    expect(bob).toMatchObject({ emailVerified: false, name: null, kind: "user" });

    const none = await signInWith(fixture, fixture.github, profile("8", null));
    expect(none.response.status).toBe(400);
    expect(await none.response.json()).toMatchObject({ error: { code: "oauth_failed", reason: "email_unavailable" } });
  });
});
