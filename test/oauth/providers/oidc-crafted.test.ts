/**
 * oidcProvider against tokens and answers a real provider never produces: an issuer inside an
 * injected fetch (crafted-issuer.ts). Runs in Node and in workerd, which also shows the providers
 * need nothing but Web Crypto and fetch.
 */
import { base64url, CompactSign, SignJWT, UnsecuredJWT } from "jose";
import { beforeEach, describe, expect, test } from "vitest";
import { fixedClock } from "../../../src/core/context.js";
import { ConfigurationError } from "../../../src/core/errors.js";
import type { CallbackInput } from "../../../src/ports/oauth-provider.js";
import { GOOGLE_ISSUER, googleProvider, oidcProvider, type OidcProviderOptions } from "../../../src/oauth/providers/index.js";
import { craftedIssuer, type CraftedIssuer } from "./crafted-issuer.js";
import { expectFailure, pkcePair } from "./helpers.js";

const ISSUER = "https://op.example";
const CLIENT_ID = "portcullis-app";
const SECRET = "crafted-client-secret-9f8e7d";
const NONCE = "nonce-0123456789abcdef";
const CODE = "code-abcdef0123456789";
const VERIFIER = "verifier-".padEnd(43, "x");
const REDIRECT = "https://app.example/auth/oauth/test/callback";
const START = Date.parse("2026-11-30T10:00:00Z");
const SECRETS = [SECRET, CODE, VERIFIER];

const callback = (overrides: Partial<CallbackInput> = {}): CallbackInput => ({
  code: CODE,
  codeVerifier: VERIFIER,
  nonce: NONCE,
  redirectUri: REDIRECT,
  issuer: null,
  ...overrides,
});

describe("id_token checks with crafted tokens", () => {
  let op: CraftedIssuer;
  let clock: ReturnType<typeof fixedClock>;
  const make = (options: Partial<OidcProviderOptions> = {}) =>
    oidcProvider({ id: "test", issuer: ISSUER, clientId: CLIENT_ID, clientSecret: SECRET, fetch: op.fetch, clock, ...options });

  beforeEach(async () => {
    clock = fixedClock(START);
    op = await craftedIssuer({ issuer: ISSUER, clientId: CLIENT_ID, now: () => clock.now() });
  });

  async function refused(token: string, reason: "id_token_invalid" | "nonce_mismatch" = "id_token_invalid", options: Partial<OidcProviderOptions> = {}) {
    op.idToken = token;
    return expectFailure(make(options).exchange(callback()), reason, [...SECRETS, token]);
  }

  test("a well-formed token is accepted (the baseline every case below breaks one thing of)", async () => {
    op.idToken = await op.sign(op.claims({ nonce: NONCE, name: "Ada" }));
    expect(await make().exchange(callback())).toEqual({ subject: "user-1", email: "ada@example.com", emailVerified: true, name: "Ada" });
  });

  test("an unsigned token (alg none) is refused [RFC 8725 3.1, ASVS V9]", async () => {
    await refused(new UnsecuredJWT(op.claims({ nonce: NONCE })).encode());
  });

  test("an HS256 token keyed with the client secret is refused, even naming a published kid (key confusion)", async () => {
    const hmac = new TextEncoder().encode(SECRET);
    const token = await new SignJWT(op.claims({ nonce: NONCE })).setProtectedHeader({ alg: "HS256", kid: op.keys[0]!.kid }).sign(hmac);
    const error = await refused(token);
    expect(error.detail).toMatchObject({ check: "ERR_JOSE_ALG_NOT_ALLOWED" });
  });

  test("an expired token is refused; one within the clock tolerance is not", async () => {
    const iat = Math.floor(START / 1000) - 400;
    const error = await refused(await op.sign(op.claims({ nonce: NONCE, iat, exp: iat + 300 })));
    expect(error.detail).toMatchObject({ check: "ERR_JWT_EXPIRED" });
    op.idToken = await op.sign(op.claims({ nonce: NONCE, iat: iat + 100, exp: iat + 370 }));
    expect((await make().exchange(callback())).subject).toBe("user-1");
  });

  test("a token issued long ago (iat older than 10 minutes) is refused even if exp is far away", async () => {
    const iat = Math.floor(START / 1000) - 3600;
    await refused(await op.sign(op.claims({ nonce: NONCE, iat, exp: iat + 86_400 })));
  });

  test("a token from another issuer (iss) is refused", async () => {
    const error = await refused(await op.sign(op.claims({ nonce: NONCE, iss: "https://evil.example" })));
    expect(error.message).toMatch(/iss/);
    await refused(await op.sign(op.claims({ nonce: NONCE, iss: `${ISSUER}/` })));
  });

  test("aud must contain the client; several audiences need azp = the client", async () => {
    await refused(await op.sign(op.claims({ nonce: NONCE, aud: "someone-else" })));
    await refused(await op.sign(op.claims({ nonce: NONCE, aud: [CLIENT_ID, "someone-else"] })));
    await refused(await op.sign(op.claims({ nonce: NONCE, aud: [CLIENT_ID, "someone-else"], azp: "someone-else" })));
    await refused(await op.sign(op.claims({ nonce: NONCE, azp: "someone-else" })));
    op.idToken = await op.sign(op.claims({ nonce: NONCE, aud: [CLIENT_ID, "someone-else"], azp: CLIENT_ID }));
    expect((await make().exchange(callback())).subject).toBe("user-1");
  });

  test("the nonce must be present and equal to the transaction's", async () => {
    await refused(await op.sign(op.claims()), "nonce_mismatch");
    await refused(await op.sign(op.claims({ nonce: "another-nonce" })), "nonce_mismatch");
    await refused(await op.sign(op.claims({ nonce: 42 as unknown as string })), "nonce_mismatch");
  });

  test("sub, exp and iat are required", async () => {
    const { sub: _sub, ...noSub } = op.claims({ nonce: NONCE });
    await refused(await op.sign(noSub));
    const { exp: _exp, ...noExp } = op.claims({ nonce: NONCE });
    await refused(await op.sign(noExp));
    const { iat: _iat, ...noIat } = op.claims({ nonce: NONCE });
    await refused(await op.sign(noIat));
    await refused(await op.sign(op.claims({ nonce: NONCE, sub: "" })));
  });

  test("another kind of JWT (typ at+jwt, logout+jwt) is not an id_token [RFC 8725 3.11]", async () => {
    await refused(await op.sign(op.claims({ nonce: NONCE }), { header: { typ: "at+jwt" } }));
    await refused(await op.sign(op.claims({ nonce: NONCE }), { header: { typ: "logout+jwt" } }));
    op.idToken = await op.sign(op.claims({ nonce: NONCE }), { header: { typ: "application/JWT" } });
    expect((await make().exchange(callback())).subject).toBe("user-1");
  });

  test("an algorithm outside the allowlist is refused even with a published key", async () => {
    const es = await op.newKey("ES256");
    op.keys.push(es);
    await refused(await op.sign(op.claims({ nonce: NONCE }), { key: es }), "id_token_invalid", { algorithms: ["RS256"] });
    op.idToken = await op.sign(op.claims({ nonce: NONCE }), { key: es });
    expect((await make().exchange(callback())).subject).toBe("user-1");
  });

  test("a signature by another key under a published kid is refused", async () => {
    const impostor = await op.newKey("RS256", op.keys[0]!.kid);
    const error = await refused(await op.sign(op.claims({ nonce: NONCE }), { key: impostor }));
    expect(error.detail).toMatchObject({ check: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" });
  });

  test("an embedded jwk / jku header is never trusted: the attacker's own key does not verify [RFC 8725 3.10]", async () => {
    const attacker = await op.newKey("RS256", "attacker");
    await refused(await op.sign(op.claims({ nonce: NONCE }), { key: attacker, header: { jwk: attacker.publicJwk, jku: "https://evil.example/jwks" } }));
  });

  test("an unknown crit header is refused [RFC 7515 4.1.11]", async () => {
    // jose signs an unknown crit only when told it understands it; the verifier is not told.
    const key = op.keys[0]!;
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(op.claims({ nonce: NONCE }))))
      .setProtectedHeader({ alg: key.alg, kid: key.kid, crit: ["urn:example:unknown"], "urn:example:unknown": true })
      .sign(key.privateKey, { crit: { "urn:example:unknown": true } });
    const error = await refused(token);
    expect(error.detail).toMatchObject({ check: "ERR_JOSE_NOT_SUPPORTED" });
  });

  test("an unknown kid triggers exactly one JWKS refetch, then fails", async () => {
    const provider = make({ jwks: { cooldownSeconds: 0 } });
    op.idToken = await op.sign(op.claims({ nonce: NONCE }));
    await provider.exchange(callback());
    expect(op.counts.jwks).toBe(1);
    const stranger = await op.newKey("RS256");
    op.idToken = await op.sign(op.claims({ nonce: NONCE }), { key: stranger });
    const error = await expectFailure(provider.exchange(callback()), "id_token_invalid", SECRETS);
    expect(error.detail).toMatchObject({ check: "ERR_JWKS_NO_MATCHING_KEY" });
    expect(op.counts.jwks).toBe(2);
  });

  test("a key published after the first fetch (rotation) is found by the refetch", async () => {
    const provider = make({ jwks: { cooldownSeconds: 0 } });
    op.idToken = await op.sign(op.claims({ nonce: NONCE }));
    await provider.exchange(callback());
    const next = await op.newKey("EdDSA");
    op.keys = [next];
    op.idToken = await op.sign(op.claims({ nonce: NONCE }), { key: next });
    expect((await provider.exchange(callback())).subject).toBe("user-1");
    expect(op.counts.jwks).toBe(2);
  });

  test("a JWKS that cannot be fetched is provider_unavailable, not a bad token", async () => {
    op.jwksAnswer = () => new Response("down", { status: 503 });
    op.idToken = await op.sign(op.claims({ nonce: NONCE }));
    await expectFailure(make().exchange(callback()), "provider_unavailable", SECRETS);
  });

  test("email_verified counts only as a literal true", async () => {
    for (const value of ["true", 1, undefined, null]) {
      op.idToken = await op.sign(op.claims({ nonce: NONCE, email_verified: value }));
      expect(await make().exchange(callback()), String(value)).toMatchObject({ email: "ada@example.com", emailVerified: false });
    }
    op.idToken = await op.sign(op.claims({ nonce: NONCE, email: 7, email_verified: true }));
    expect(await make().exchange(callback())).toMatchObject({ email: null, emailVerified: false });
  });
});

describe("token endpoint", () => {
  let op: CraftedIssuer;
  const make = (options: Partial<OidcProviderOptions> = {}) =>
    oidcProvider({ id: "test", issuer: ISSUER, clientId: CLIENT_ID, clientSecret: SECRET, fetch: op.fetch, ...options });

  beforeEach(async () => {
    op = await craftedIssuer({ issuer: ISSUER, clientId: CLIENT_ID });
    op.idToken = await op.sign(op.claims({ nonce: NONCE }));
  });

  test("client_secret_basic: form-encoded credentials in Basic, the grant in the body, no secret in the body", async () => {
    const secret = "a b+c:d/é%";
    await make({ clientSecret: secret }).exchange(callback());
    const { headers, form } = op.lastTokenRequest!;
    expect(headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    // RFC 6749 2.3.1: each half form-encoded, so the secret's ":" cannot split it and é stays ASCII for base64.
    const parts = atob(headers.get("authorization")!.replace(/^Basic /, "")).split(":");
    expect(parts).toHaveLength(2);
    expect(new URLSearchParams(`x=${parts[0]}`).get("x")).toBe(CLIENT_ID);
    expect(new URLSearchParams(`x=${parts[1]}`).get("x")).toBe(secret);
    expect(Object.fromEntries(form)).toEqual({ grant_type: "authorization_code", code: CODE, redirect_uri: REDIRECT, code_verifier: VERIFIER });
  });

  test("client_secret_post: id and secret in the body, no Authorization header", async () => {
    await make({ tokenAuth: "client_secret_post" }).exchange(callback());
    const { headers, form } = op.lastTokenRequest!;
    expect(headers.get("authorization")).toBeNull();
    expect(form.get("client_id")).toBe(CLIENT_ID);
    expect(form.get("client_secret")).toBe(SECRET);
  });

  test("an OAuth error is token_exchange_failed, with the error code only when it is a known one", async () => {
    op.token = () => new Response(JSON.stringify({ error: "invalid_grant", error_description: `code ${CODE} already used` }), { status: 400 });
    const error = await expectFailure(make().exchange(callback()), "token_exchange_failed", SECRETS);
    expect(error.detail).toEqual({ reason: "token_exchange_failed", error: "invalid_grant" });
    op.token = () => new Response(JSON.stringify({ error: "<script>alert(1)</script>" }), { status: 400 });
    const odd = await expectFailure(make().exchange(callback()), "token_exchange_failed", SECRETS);
    expect(odd.detail).toEqual({ reason: "token_exchange_failed" });
    op.token = () => new Response(JSON.stringify({ error: "invalid_grant" }), { status: 200 });
    await expectFailure(make().exchange(callback()), "token_exchange_failed", SECRETS);
  });

  test("5xx, 429, network errors and timeouts are provider_unavailable", async () => {
    op.token = () => new Response("oops", { status: 502 });
    await expectFailure(make().exchange(callback()), "provider_unavailable", SECRETS);
    op.token = () => new Response("slow down", { status: 429 });
    await expectFailure(make().exchange(callback()), "provider_unavailable", SECRETS);
    op.token = () => {
      throw new TypeError(`fetch failed for ${SECRET}`);
    };
    await expectFailure(make().exchange(callback()), "provider_unavailable", SECRETS);
    op.token = (request) =>
      new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason as Error)));
    const started = Date.now();
    await expectFailure(make({ timeoutMs: 50 }).exchange(callback()), "provider_unavailable", SECRETS);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("a 2xx that is not the documented JSON is invalid_response; a redirect is not followed", async () => {
    op.token = () => new Response(`<html>${CODE}</html>`, { status: 200 });
    await expectFailure(make().exchange(callback()), "invalid_response", SECRETS);
    op.token = () => Response.json({ access_token: "at", token_type: "Bearer" });
    await expectFailure(make().exchange(callback()), "invalid_response", SECRETS);
    op.token = () => Response.json({ id_token: 12 });
    await expectFailure(make().exchange(callback()), "invalid_response", SECRETS);
    op.token = () => new Response("x".repeat(600 * 1024), { status: 200 });
    await expectFailure(make().exchange(callback()), "invalid_response", SECRETS);
    // The same without a declared length: the stream is cut at the limit, not read to the end.
    let pulled = 0;
    op.token = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled += 1;
            if (pulled > 40) controller.close();
            else controller.enqueue(new Uint8Array(64 * 1024).fill(120));
          },
        }),
        { status: 200 },
      );
    await expectFailure(make().exchange(callback()), "invalid_response", SECRETS);
    expect(pulled).toBeLessThan(20);
    op.token = () => new Response(null, { status: 307, headers: { location: "https://evil.example/token" } });
    await expectFailure(make().exchange(callback()), "token_exchange_failed", SECRETS);
    // A real fetch would re-POST the secret to the Location; the provider asks it not to.
    expect(op.lastTokenRequest!.redirect).toBe("manual");
  });
});

describe("discovery", () => {
  let op: CraftedIssuer;
  let clock: ReturnType<typeof fixedClock>;
  const challenge = base64url.encode(new Uint8Array(32));
  const authInput = { state: "state-1", codeChallenge: challenge, nonce: NONCE, redirectUri: REDIRECT };
  const make = (options: Partial<OidcProviderOptions> = {}) =>
    oidcProvider({ id: "test", issuer: op.issuer, clientId: CLIENT_ID, clientSecret: SECRET, fetch: op.fetch, clock, ...options });

  beforeEach(async () => {
    clock = fixedClock(START);
    op = await craftedIssuer({ issuer: ISSUER, clientId: CLIENT_ID, now: () => clock.now() });
  });

  test("the authorization URL carries every protection parameter", async () => {
    const url = await make({ scopes: ["openid", "email"] }).authorizationUrl(authInput);
    expect(url.origin + url.pathname).toBe(`${ISSUER}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT,
      scope: "openid email",
      state: "state-1",
      nonce: NONCE,
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    expect(url.href).not.toContain(SECRET);
  });

  test("authorizationUrl refuses to build a URL without state, nonce or an S256 challenge", async () => {
    const provider = make();
    await expect(provider.authorizationUrl({ ...authInput, state: "" })).rejects.toThrow(TypeError);
    await expect(provider.authorizationUrl({ ...authInput, nonce: null })).rejects.toThrow(TypeError);
    await expect(provider.authorizationUrl({ ...authInput, codeChallenge: "plain-verifier" })).rejects.toThrow(TypeError);
    await expect(provider.authorizationUrl({ ...authInput, redirectUri: "/relative" })).rejects.toThrow(TypeError);
    await expect(provider.authorizationUrl({ ...authInput, redirectUri: `${REDIRECT}#frag` })).rejects.toThrow(TypeError);
    expect(op.counts.discovery).toBe(0);
  });

  test("a document naming another issuer is refused [OIDC Discovery 4.3]", async () => {
    op.discovery.issuer = "https://evil.example";
    await expectFailure(make().authorizationUrl(authInput), "discovery_failed", [SECRET]);
    op.discovery.issuer = `${ISSUER}/`;
    await expectFailure(make().authorizationUrl(authInput), "discovery_failed", [SECRET]);
  });

  test("endpoints must be https for an https issuer; PKCE S256 must be supported when methods are listed", async () => {
    for (const name of ["authorization_endpoint", "token_endpoint", "jwks_uri"]) {
      const saved = op.discovery[name];
      op.discovery[name] = `http://op.example/${name}`;
      await expectFailure(make().authorizationUrl(authInput), "discovery_failed");
      op.discovery[name] = undefined;
      await expectFailure(make().authorizationUrl(authInput), "discovery_failed");
      op.discovery[name] = saved;
    }
    op.discovery.code_challenge_methods_supported = ["plain"];
    await expectFailure(make().authorizationUrl(authInput), "discovery_failed");
  });

  test("status and transport failures: 4xx / junk is discovery_failed, 5xx and network are provider_unavailable; failures are not cached", async () => {
    const provider = make();
    op.discoveryAnswer = () => new Response("nope", { status: 404 });
    await expectFailure(provider.authorizationUrl(authInput), "discovery_failed");
    op.discoveryAnswer = () => new Response("<html>", { status: 200 });
    await expectFailure(provider.authorizationUrl(authInput), "discovery_failed");
    op.discoveryAnswer = () => new Response("busy", { status: 503 });
    await expectFailure(provider.authorizationUrl(authInput), "provider_unavailable");
    op.discoveryAnswer = () => Promise.reject(new TypeError("network"));
    await expectFailure(provider.authorizationUrl(authInput), "provider_unavailable");
    op.discoveryAnswer = null;
    await provider.authorizationUrl(authInput);
    expect(op.counts.discovery).toBe(5);
  });

  test("cached for discoveryTtlSeconds by the injected clock, shared between concurrent callers", async () => {
    const provider = make({ discoveryTtlSeconds: 60 });
    await Promise.all([provider.authorizationUrl(authInput), provider.authorizationUrl(authInput)]);
    expect(op.counts.discovery).toBe(1);
    clock.advance(59_000);
    await provider.authorizationUrl(authInput);
    expect(op.counts.discovery).toBe(1);
    clock.advance(2_000);
    await provider.authorizationUrl(authInput);
    expect(op.counts.discovery).toBe(2);
  });

  test("an issuer with a path and a trailing slash is discovered under it and compared exactly", async () => {
    op = await craftedIssuer({ issuer: "https://op.example/tenant/", clientId: CLIENT_ID });
    const url = await make().authorizationUrl(authInput);
    expect(url.origin).toBe("https://op.example");
    expect(op.counts.discovery).toBe(1);
  });

  test("RFC 9207 without advertisement: an absent iss passes, a wrong one is still refused", async () => {
    op.idToken = await op.sign(op.claims({ nonce: NONCE }));
    expect((await make().exchange(callback({ issuer: null }))).subject).toBe("user-1");
    expect((await make().exchange(callback({ issuer: ISSUER }))).subject).toBe("user-1");
    await expectFailure(make().exchange(callback({ issuer: "https://evil.example" })), "issuer_mismatch", SECRETS);
    op.discovery.authorization_response_iss_parameter_supported = true;
    await expectFailure(make().exchange(callback({ issuer: null })), "issuer_missing", SECRETS);
    expect(op.counts.token).toBe(2);
  });
});

describe("googleProvider", () => {
  test("Google's documented scheme-less iss is accepted for the real issuer only", async () => {
    const google = await craftedIssuer({ issuer: GOOGLE_ISSUER, clientId: CLIENT_ID });
    google.idToken = await google.sign(google.claims({ nonce: NONCE, iss: "accounts.google.com" }));
    const provider = googleProvider({ clientId: CLIENT_ID, clientSecret: SECRET, fetch: google.fetch });
    expect(provider.id).toBe("google");
    expect((await provider.exchange(callback())).subject).toBe("user-1");

    const standIn = await craftedIssuer({ issuer: "https://google.test", clientId: CLIENT_ID });
    standIn.idToken = await standIn.sign(standIn.claims({ nonce: NONCE, iss: "accounts.google.com" }));
    const local = googleProvider({ issuer: standIn.issuer, clientId: CLIENT_ID, clientSecret: SECRET, fetch: standIn.fetch });
    await expectFailure(local.exchange(callback()), "id_token_invalid", SECRETS);
  });
});

describe("configuration is refused at construction", () => {
  const valid: OidcProviderOptions = { id: "test", issuer: ISSUER, clientId: CLIENT_ID, clientSecret: SECRET };
  const refuse = (options: Partial<OidcProviderOptions>, pattern: RegExp) => {
    let error: unknown;
    try {
      oidcProvider({ ...valid, ...options });
    } catch (caught) {
      error = caught;
    }
    expect(error, JSON.stringify(options)).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toContain(SECRET);
  };

  test("none and HS* algorithms, unknown algorithms, an empty list", () => {
    refuse({ algorithms: ["RS256", "none"] }, /none is refused/);
    refuse({ algorithms: ["NONE"] }, /refused/);
    refuse({ algorithms: ["HS256"] }, /HS256 is refused/);
    refuse({ algorithms: ["ES256", "hs512"] }, /refused/);
    refuse({ algorithms: ["RS1"] }, /unknown algorithm/);
    refuse({ algorithms: [] }, /non-empty/);
  });

  test("issuer, id, client credentials, scopes, tokenAuth", () => {
    refuse({ issuer: "http://op.example" }, /https/);
    refuse({ issuer: "https://op.example?x=1" }, /query/);
    refuse({ issuer: "not a url" }, /absolute/);
    refuse({ id: "Google" }, /id must match/);
    refuse({ clientSecret: "" }, /clientSecret is required/);
    refuse({ clientId: " " }, /clientId is required/);
    refuse({ scopes: ["email"] }, /openid/);
    refuse({ scopes: ["openid", "two words"] }, /invalid scope/);
    refuse({ tokenAuth: "private_key_jwt" as "client_secret_post" }, /tokenAuth/);
    refuse({ discoveryTtlSeconds: -1 }, /discoveryTtlSeconds/);
    // http on loopback is allowed: local test issuers.
    expect(oidcProvider({ ...valid, issuer: "http://127.0.0.1:9000" }).kind).toBe("oidc");
    expect(oidcProvider({ ...valid, issuer: "http://localhost:9000" }).kind).toBe("oidc");
  });
});

test("pkcePair helper produces RFC 7636 S256 pairs", async () => {
  const { verifier, challenge } = await pkcePair();
  expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
});
