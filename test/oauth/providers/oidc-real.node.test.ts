/**
 * oidcProvider / googleProvider against a REAL OpenID Provider (oidc-provider on loopback, see
 * test/helpers/oidc-server.ts): the whole dance through its login and consent pages, then the
 * code exchange and id_token verification, and what the provider itself refuses.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OAuthProvider } from "../../../src/ports/oauth-provider.js";
import { googleProvider, oidcProvider, type FetchLike, type OidcProviderOptions } from "../../../src/oauth/providers/index.js";
import { completeLogin, startOidcServer, type CompletedLogin, type OidcTestServer } from "../../helpers/oidc-server.js";
import { expectFailure, pkcePair, randomToken } from "./helpers.js";

const REDIRECT = "http://127.0.0.1:8787/auth/oauth/test/callback";
const REDIRECT_POST = "http://127.0.0.1:8787/auth/oauth/post/callback";
const REDIRECT_OTHER = "http://127.0.0.1:8787/auth/oauth/other/callback";
// Characters that Basic auth must form-encode (RFC 6749 2.3.1) before base64.
const SECRET = "s3cret:with %special+chars/=&";
const POST_SECRET = "post-client-secret-value-1234";
const OTHER_SECRET = "other-client-secret-value-5678";

interface Started {
  back: CompletedLogin;
  code: string;
  verifier: string;
  nonce: string;
  state: string;
  url: URL;
}

async function signIn(provider: OAuthProvider, redirectUri: string, accountId = "alice"): Promise<Started> {
  const { verifier, challenge } = await pkcePair();
  const state = randomToken();
  const nonce = randomToken();
  const url = await provider.authorizationUrl({ state, codeChallenge: challenge, nonce, redirectUri });
  const back = await completeLogin(url, { accountId });
  expect(back.error, back.errorDescription ?? "").toBeNull();
  return { back, code: back.code!, verifier, nonce, state, url };
}

function callback(started: Started, redirectUri: string, overrides: Partial<{ nonce: string | null; issuer: string | null; codeVerifier: string }> = {}) {
  return {
    code: started.code,
    codeVerifier: overrides.codeVerifier ?? started.verifier,
    nonce: overrides.nonce === undefined ? started.nonce : overrides.nonce,
    redirectUri,
    issuer: overrides.issuer === undefined ? started.back.iss : overrides.issuer,
  };
}

describe("oidcProvider against oidc-provider", () => {
  let op: OidcTestServer;
  let provider: OAuthProvider;

  function make(options: Partial<OidcProviderOptions> = {}): OAuthProvider {
    return oidcProvider({ id: "test", issuer: op.issuer, clientId: "portcullis-app", clientSecret: SECRET, ...options });
  }

  beforeAll(async () => {
    op = await startOidcServer({
      clients: [
        { clientId: "portcullis-app", clientSecret: SECRET, redirectUris: [REDIRECT] },
        { clientId: "portcullis-post", clientSecret: POST_SECRET, redirectUris: [REDIRECT_POST], tokenAuth: "client_secret_post" },
        { clientId: "other-app", clientSecret: OTHER_SECRET, redirectUris: [REDIRECT_OTHER] },
      ],
      accounts: [
        { sub: "alice", email: "alice@example.com", email_verified: true, name: "Alice Liddell" },
        { sub: "bob", email: "bob@example.com", email_verified: false, name: "Bob" },
        { sub: "carol" },
      ],
    });
    provider = make();
  });
  afterAll(async () => {
    await op.close();
  });

  test("full dance: authorization URL, login + consent at the provider, code exchange, verified profile", async () => {
    const started = await signIn(provider, REDIRECT);
    const params = started.url.searchParams;
    expect(started.url.origin + started.url.pathname).toBe(`${op.issuer}/auth`);
    expect(Object.fromEntries(params)).toMatchObject({
      response_type: "code",
      client_id: "portcullis-app",
      redirect_uri: REDIRECT,
      scope: "openid email profile",
      state: started.state,
      nonce: started.nonce,
      code_challenge_method: "S256",
    });
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The provider sends state back and, per RFC 9207, its issuer.
    expect(started.back.state).toBe(started.state);
    expect(started.back.iss).toBe(op.issuer);

    const profile = await provider.exchange(callback(started, REDIRECT));
    expect(profile).toEqual({ subject: "alice", email: "alice@example.com", emailVerified: true, name: "Alice Liddell" });
    expect(provider.kind).toBe("oidc");
    expect(provider.id).toBe("test");
  });

  test("client_secret_post authenticates in the body (the provider accepts only that method for this client)", async () => {
    const post = oidcProvider({ id: "post", issuer: op.issuer, clientId: "portcullis-post", clientSecret: POST_SECRET, tokenAuth: "client_secret_post" });
    const started = await signIn(post, REDIRECT_POST);
    expect((await post.exchange(callback(started, REDIRECT_POST))).subject).toBe("alice");
  });

  test("email_verified false and a missing email come back as unverified / null", async () => {
    const bob = await signIn(provider, REDIRECT, "bob");
    expect(await provider.exchange(callback(bob, REDIRECT))).toEqual({ subject: "bob", email: "bob@example.com", emailVerified: false, name: "Bob" });
    const carol = await signIn(provider, REDIRECT, "carol");
    expect(await provider.exchange(callback(carol, REDIRECT))).toEqual({ subject: "carol", email: null, emailVerified: false, name: null });
  });

  test("googleProvider works against the local provider standing in for Google through discovery", async () => {
    const google = googleProvider({ issuer: op.issuer, clientId: "portcullis-app", clientSecret: SECRET });
    expect(google.id).toBe("google");
    expect(google.kind).toBe("oidc");
    const started = await signIn(google, REDIRECT);
    expect((await google.exchange(callback(started, REDIRECT))).email).toBe("alice@example.com");
  });

  test("discovery is fetched once and reused", async () => {
    const fresh = make();
    const before = op.requestCount("/.well-known/openid-configuration");
    const { challenge } = await pkcePair();
    await Promise.all([1, 2, 3].map(() => fresh.authorizationUrl({ state: "s", codeChallenge: challenge, nonce: "n", redirectUri: REDIRECT })));
    await fresh.authorizationUrl({ state: "s", codeChallenge: challenge, nonce: "n", redirectUri: REDIRECT });
    expect(op.requestCount("/.well-known/openid-configuration") - before).toBe(1);
  });

  test("a wrong nonce is refused (nonce_mismatch), and so is a flow that lost its nonce", async () => {
    const started = await signIn(provider, REDIRECT);
    await expectFailure(provider.exchange(callback(started, REDIRECT, { nonce: randomToken() })), "nonce_mismatch", [SECRET, started.code, started.verifier]);
    const again = await signIn(provider, REDIRECT);
    await expectFailure(provider.exchange(callback(again, REDIRECT, { nonce: null })), "nonce_mismatch", [SECRET, again.code]);
  });

  test("another client's id_token is refused (aud): a token substituted from client other-app", async () => {
    // The dance runs for other-app; its code is then redeemed with other-app's credentials but the
    // id_token is checked by portcullis-app's provider: a real token, for someone else.
    const other = oidcProvider({ id: "other", issuer: op.issuer, clientId: "other-app", clientSecret: OTHER_SECRET });
    const started = await signIn(other, REDIRECT_OTHER);
    const substitute: FetchLike = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith("/token")) {
        const headers = new Headers(init?.headers);
        headers.set("authorization", `Basic ${btoa(`other-app:${encodeURIComponent(OTHER_SECRET)}`)}`);
        return fetch(input, { ...init, headers });
      }
      return fetch(input, init);
    };
    const victim = make({ fetch: substitute });
    const error = await expectFailure(victim.exchange(callback(started, REDIRECT_OTHER)), "id_token_invalid", [SECRET, OTHER_SECRET, started.code]);
    expect(error.message).toMatch(/aud/);
  });

  test("PKCE is required: an authorization request without a challenge is refused by the provider", async () => {
    const { challenge } = await pkcePair();
    const url = await provider.authorizationUrl({ state: "st", codeChallenge: challenge, nonce: "n", redirectUri: REDIRECT });
    url.searchParams.delete("code_challenge");
    url.searchParams.delete("code_challenge_method");
    const back = await completeLogin(url, { accountId: "alice" });
    expect(back.code).toBeNull();
    expect(back.error).toBe("invalid_request");
    // And our side never builds such a URL.
    await expect(provider.authorizationUrl({ state: "st", codeChallenge: "", nonce: "n", redirectUri: REDIRECT })).rejects.toThrow(TypeError);
  });

  test("a wrong or missing PKCE verifier: the provider refuses the code (token_exchange_failed)", async () => {
    const started = await signIn(provider, REDIRECT);
    const wrong = (await pkcePair()).verifier;
    const error = await expectFailure(provider.exchange(callback(started, REDIRECT, { codeVerifier: wrong })), "token_exchange_failed", [
      SECRET,
      started.code,
      wrong,
    ]);
    expect(error.detail).toMatchObject({ error: "invalid_grant" });
    const second = await signIn(provider, REDIRECT);
    await expectFailure(provider.exchange(callback(second, REDIRECT, { codeVerifier: "" })), "token_exchange_failed", [SECRET, second.code]);
  });

  test("code replay: the second exchange of the same code fails", async () => {
    const started = await signIn(provider, REDIRECT);
    expect((await provider.exchange(callback(started, REDIRECT))).subject).toBe("alice");
    await expectFailure(provider.exchange(callback(started, REDIRECT)), "token_exchange_failed", [SECRET, started.code, started.verifier]);
  });

  test("a wrong client secret is refused without echoing it", async () => {
    const wrong = make({ clientSecret: "definitely-not-the-secret" });
    const started = await signIn(wrong, REDIRECT);
    const error = await expectFailure(wrong.exchange(callback(started, REDIRECT)), "token_exchange_failed", ["definitely-not-the-secret", SECRET, started.code]);
    expect(error.detail).toMatchObject({ error: "invalid_client" });
  });

  test("RFC 9207: an iss that is not the issuer is refused before the code is sent anywhere", async () => {
    const started = await signIn(provider, REDIRECT);
    const tokenRequests = op.requestCount("/token");
    await expectFailure(provider.exchange(callback(started, REDIRECT, { issuer: "https://attacker.example" })), "issuer_mismatch", [SECRET, started.code]);
    await expectFailure(provider.exchange(callback(started, REDIRECT, { issuer: `${op.issuer}/` })), "issuer_mismatch", [started.code]);
    expect(op.requestCount("/token")).toBe(tokenRequests);
    // The code is still good: nothing was spent on the forged callback.
    expect((await provider.exchange(callback(started, REDIRECT))).subject).toBe("alice");
  });

  test("RFC 9207: the provider advertises iss, so a callback without it is refused", async () => {
    const discovery = (await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.authorization_response_iss_parameter_supported).toBe(true);
    const started = await signIn(provider, REDIRECT);
    await expectFailure(provider.exchange(callback(started, REDIRECT, { issuer: null })), "issuer_missing", [SECRET, started.code]);
  });

  test("the consent page can be refused: the client gets access_denied", async () => {
    const { challenge } = await pkcePair();
    const url = await provider.authorizationUrl({ state: "st", codeChallenge: challenge, nonce: "n", redirectUri: REDIRECT });
    const back = await completeLogin(url, { accountId: "alice", decision: "deny" });
    expect(back).toMatchObject({ code: null, error: "access_denied", state: "st", iss: op.issuer });
  });

  test("an unregistered redirect_uri never gets a redirect (the provider shows an error page)", async () => {
    const { challenge } = await pkcePair();
    const url = await provider.authorizationUrl({ state: "st", codeChallenge: challenge, nonce: "n", redirectUri: "http://127.0.0.1:8787/elsewhere" });
    await expect(completeLogin(url, { accountId: "alice" })).rejects.toThrow(/answered 400/);
  });
});

describe("signing key rotation at a real provider", () => {
  let op: OidcTestServer;
  const options = (): OidcProviderOptions => ({ id: "rotating", issuer: op.issuer, clientId: "app", clientSecret: SECRET });

  beforeAll(async () => {
    op = await startOidcServer({
      clients: [{ clientId: "app", clientSecret: SECRET, redirectUris: [REDIRECT] }],
      accounts: [{ sub: "alice", email: "alice@example.com", email_verified: true }],
      signingAlg: "ES256",
    });
  });
  afterAll(async () => {
    await op.close();
  });

  test("a token signed with a new key after rotation verifies: the unknown kid refetches the JWKS once", async () => {
    const provider = oidcProvider({ ...options(), jwks: { cooldownSeconds: 0 } });
    const first = await signIn(provider, REDIRECT);
    await provider.exchange(callback(first, REDIRECT));
    const fetches = op.requestCount("/jwks");

    const oldKid = op.currentKid;
    const newKid = await op.rotateKeys({ keepPrevious: false });
    expect(newKid).not.toBe(oldKid);
    expect(op.publishedKids).toEqual([newKid]);

    const second = await signIn(provider, REDIRECT);
    expect((await provider.exchange(callback(second, REDIRECT))).subject).toBe("alice");
    expect(op.requestCount("/jwks")).toBe(fetches + 1);

    // The refreshed set is cached: the next token with the same kid needs no fetch.
    const third = await signIn(provider, REDIRECT);
    await provider.exchange(callback(third, REDIRECT));
    expect(op.requestCount("/jwks")).toBe(fetches + 1);
  });

  test("within jose's cooldown an unknown kid is not refetched and fails (forged kids cannot hammer the JWKS)", async () => {
    const provider = oidcProvider(options()); // default cooldown, 30 s
    const first = await signIn(provider, REDIRECT);
    await provider.exchange(callback(first, REDIRECT));
    const fetches = op.requestCount("/jwks");
    await op.rotateKeys({ keepPrevious: true });
    const second = await signIn(provider, REDIRECT);
    const error = await expectFailure(provider.exchange(callback(second, REDIRECT)), "id_token_invalid", [SECRET, second.code]);
    expect(error.detail).toMatchObject({ check: "ERR_JWKS_NO_MATCHING_KEY" });
    expect(op.requestCount("/jwks")).toBe(fetches);
  });
});
