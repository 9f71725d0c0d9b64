/**
 * End to end through `auth.handle` against a real OpenID Provider (panva's oidc-provider on
 * 127.0.0.1) standing in for Google via `googleProvider({ issuer })`: discovery, PKCE S256 enforced
 * by the provider, the nonce checked in a signed id_token, RFC 9207 `iss`, one-time codes.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { memoryStores, type MemoryStores } from "../../../src/adapters/memory/index.js";
import { createAuth, type Auth } from "../../../src/create-auth.js";
import { googleProvider, oauth, oidcProvider } from "../../../src/oauth/index.js";
import { completeLogin, startOidcServer, type OidcTestServer } from "../../helpers/oidc-server.js";
import { fastHasher, ORIGIN, request } from "../../helpers/harness.js";
import { BINDING, call, cookiePair, errorOf, SESSION, setCookie } from "./fixture.js";
import { emailPassword } from "../../../src/credentials/password/index.js";

const CLIENT_SECRET = "oidc-client-secret-4f1b9c0d7e";

let op: OidcTestServer;

beforeAll(async () => {
  op = await startOidcServer({
    clients: [
      { clientId: "portcullis", clientSecret: CLIENT_SECRET, redirectUris: [`${ORIGIN}/auth/oauth/google/callback`, `${ORIGIN}/auth/oauth/acme/callback`] },
    ],
    accounts: [
      { sub: "alice", email: "Alice@Example.com", email_verified: true, name: "Alice" },
      { sub: "bob", email: "bob@example.com", email_verified: false, name: "Bob" },
      { sub: "carol", email: "carol@example.com", email_verified: true, name: "Carol" },
      { sub: "nomail", name: "No Mail" },
    ],
  });
});

afterAll(async () => {
  await op?.close();
});

function makeAuth(): { auth: Auth; stores: MemoryStores } {
  const stores = memoryStores();
  // Real time: the provider checks the id_token's exp / iat against the system clock.
  const google = googleProvider({ issuer: op.issuer, clientId: "portcullis", clientSecret: CLIENT_SECRET });
  // A second provider on the same issuer, to bring a google flow back at another callback.
  const acme = oidcProvider({ id: "acme", issuer: op.issuer, clientId: "portcullis", clientSecret: CLIENT_SECRET });
  const auth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), oauth({ providers: [google, acme] })], settings: { publicOrigin: ORIGIN } });
  return { auth, stores };
}

async function startAt(auth: Auth, providerId: string, returnTo = "/home"): Promise<{ location: string; binding: string }> {
  const response = await call(auth, `/auth/oauth/${providerId}/start?return=${encodeURIComponent(returnTo)}`);
  expect(response.status).toBe(303);
  return { location: response.headers.get("location")!, binding: cookiePair(setCookie(response, BINDING)) };
}

describe("sign-in with a real OpenID Provider standing in for Google", () => {
  test("the whole dance: a new account, verified email, session cookie, landing on the return path", async () => {
    const { auth, stores } = makeAuth();
    const started = await startAt(auth, "google", "/home?x=1");
    const authorize = new URL(started.location);
    expect(authorize.origin).toBe(op.issuer);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");

    const back = await completeLogin(started.location, { accountId: "alice" });
    expect(back.error).toBeNull();
    expect(back.iss).toBe(op.issuer);
    const response = await call(auth, back.url.href, { cookie: started.binding });
    const text = await response.clone().text();
    expect(response.status, text).toBe(303);
    expect(response.headers.get("location")).toBe("/home?x=1");
    const session = cookiePair(setCookie(response, SESSION));

    const me = (await (await auth.handle(request("/auth/session", { cookie: session }))).json()) as { user: { email: string; emailVerified: boolean; name: string }; session: { amr: string[] } };
    expect(me.user).toMatchObject({ email: "alice@example.com", emailVerified: true, name: "Alice" });
    expect(me.session.amr).toEqual(["fed"]);
    const user = await stores.users.findByEmail("alice@example.com");
    expect((await stores.credentials.listByUser(user!.id)).map((c) => c.identifier)).toEqual(["google:alice"]);

    // The same code and state again: refused, whatever the provider would say.
    const replay = await call(auth, back.url.href, { cookie: started.binding });
    expect(replay.status).toBe(400);
    expect(await errorOf(replay)).toMatchObject({ code: "oauth_failed", reason: "unknown_state" });
  });

  test("signing in again reaches the same account", async () => {
    const { auth, stores } = makeAuth();
    for (let round = 0; round < 2; round++) {
      const started = await startAt(auth, "google");
      const back = await completeLogin(started.location, { accountId: "carol" });
      expect((await call(auth, back.url.href, { cookie: started.binding })).status).toBe(303);
    }
    const user = await stores.users.findByEmail("carol@example.com");
    expect(await stores.sessions.listByUser(user!.id)).toHaveLength(2);
    expect(await stores.credentials.listByUser(user!.id)).toHaveLength(1);
  });

  test("the person cancels at the provider: oauth_failed / provider_error, no session", async () => {
    const { auth } = makeAuth();
    const started = await startAt(auth, "google");
    const back = await completeLogin(started.location, { accountId: "alice", decision: "deny" });
    expect(back.error).toBe("access_denied");
    const response = await call(auth, back.url.href, { cookie: started.binding });
    expect(response.status).toBe(400);
    expect(setCookie(response, SESSION)).toBeNull();
    expect(await errorOf(response)).toMatchObject({ code: "oauth_failed", reason: "provider_error" });
  });

  test("an unverified provider email does not take over a verified local account", async () => {
    const { auth, stores } = makeAuth();
    const signUp = await auth.handle(request("/auth/sign-up", { body: { email: "bob@example.com", password: "correct horse battery" } }));
    const id = ((await signUp.json()) as { user: { id: string } }).user.id;
    await stores.users.update(id, { emailVerified: true, updatedAt: new Date() });
    const started = await startAt(auth, "google");
    const back = await completeLogin(started.location, { accountId: "bob" });
    const response = await call(auth, back.url.href, { cookie: started.binding });
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toMatchObject({ code: "account_exists" });
    expect((await stores.credentials.listByUser(id)).map((c) => c.type)).toEqual(["password"]);
  });

  test("no email from the provider: no account", async () => {
    const { auth } = makeAuth();
    const started = await startAt(auth, "google");
    const back = await completeLogin(started.location, { accountId: "nomail" });
    const response = await call(auth, back.url.href, { cookie: started.binding });
    expect(await errorOf(response)).toMatchObject({ code: "oauth_failed", reason: "email_unavailable" });
  });

  test("mix-up: a google flow's answer delivered to the acme callback is refused before any exchange", async () => {
    const { auth } = makeAuth();
    const started = await startAt(auth, "google");
    const back = await completeLogin(started.location, { accountId: "alice" });
    const wrong = new URL(back.url);
    wrong.pathname = "/auth/oauth/acme/callback";
    const tokenCalls = op.requestCount("/token");
    const response = await call(auth, wrong.href, { cookie: started.binding });
    expect(await errorOf(response)).toMatchObject({ code: "oauth_failed", reason: "provider_mismatch" });
    expect(op.requestCount("/token")).toBe(tokenCalls);
  });

  test("another browser cannot complete the flow, and the client secret never shows", async () => {
    const { auth } = makeAuth();
    const victim = await startAt(auth, "google");
    const attacker = await startAt(auth, "google");
    const back = await completeLogin(attacker.location, { accountId: "alice" });
    const response = await call(auth, back.url.href, { cookie: victim.binding });
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: "oauth_failed", reason: "binding_mismatch" } });
    expect(text).not.toContain(CLIENT_SECRET);
  });

  test("a code exchanged with the wrong PKCE verifier is refused by the provider (tampered state record)", async () => {
    // The state store is the only place the verifier lives: swap it and the real provider refuses.
    const stores = memoryStores();
    const google = googleProvider({ issuer: op.issuer, clientId: "portcullis", clientSecret: CLIENT_SECRET });
    const singleUse = {
      ...stores.singleUse,
      async put(key: string, value: string, ttl: number) {
        const record = JSON.parse(value) as { verifier: string };
        record.verifier = "A".repeat(43);
        return stores.singleUse.put(key, JSON.stringify(record), ttl);
      },
    };
    const auth = createAuth({ stores: { ...stores, singleUse }, plugins: [emailPassword({ hasher: fastHasher() }), oauth({ providers: [google] })], settings: { publicOrigin: ORIGIN } });
    const started = await startAt(auth, "google");
    const back = await completeLogin(started.location, { accountId: "alice" });
    const response = await call(auth, back.url.href, { cookie: started.binding });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "oauth_failed", reason: "exchange_failed", providerReason: "token_exchange_failed" } });
    expect(text).not.toContain(CLIENT_SECRET);
    expect(await stores.users.findByEmail("alice@example.com")).toBeNull();
  });
});
