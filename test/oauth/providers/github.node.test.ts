/**
 * githubProvider against the local stand-in for GitHub (test/helpers/github-server.ts: GitHub
 * itself is unreachable from tests; the stand-in follows GitHub's documented endpoints).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ConfigurationError } from "../../../src/core/errors.js";
import type { CallbackInput, OAuthProvider } from "../../../src/ports/oauth-provider.js";
import { githubProvider, type GithubProviderOptions } from "../../../src/oauth/providers/index.js";
import { startGithubServer, type GithubTestServer } from "../../helpers/github-server.js";
import { expectFailure, pkcePair, randomToken } from "./helpers.js";

const CLIENT_ID = "Iv1.portcullis0123";
const SECRET = "github-client-secret-0123456789abcdef";
const REDIRECT = "http://127.0.0.1:8787/auth/oauth/github/callback";

const ADA = 583231;
const BOB = 1024;
const CAROL = 77;

describe("githubProvider against the GitHub stand-in", () => {
  let gh: GithubTestServer;
  let provider: OAuthProvider;
  const make = (options: Partial<GithubProviderOptions> = {}): OAuthProvider =>
    githubProvider({ clientId: CLIENT_ID, clientSecret: SECRET, webBase: gh.webBase, apiBase: gh.apiBase, ...options });

  /** Authorizes at the stand-in (as the approving user) and returns what the callback would carry. */
  async function authorize(using: OAuthProvider = provider): Promise<{ input: CallbackInput; url: URL; state: string }> {
    const { verifier, challenge } = await pkcePair();
    const state = randomToken();
    const url = await using.authorizationUrl({ state, codeChallenge: challenge, nonce: null, redirectUri: REDIRECT });
    const response = await fetch(url, { redirect: "manual" });
    expect(response.status).toBe(302);
    const back = new URL(response.headers.get("location")!);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get("state")).toBe(state);
    return { input: { code: back.searchParams.get("code")!, codeVerifier: verifier, nonce: null, redirectUri: REDIRECT, issuer: null }, url, state };
  }

  beforeAll(async () => {
    gh = await startGithubServer({
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      redirectUris: [REDIRECT],
      users: [
        {
          id: ADA,
          login: "ada",
          name: "Ada Lovelace",
          emails: [
            { email: "ada@old.example", primary: false, verified: true },
            { email: "ada@example.com", primary: true, verified: true, visibility: "public" },
          ],
        },
        {
          id: BOB,
          login: "bob",
          emails: [
            { email: "bob@example.com", primary: true, verified: false },
            { email: "bob@verified.example", primary: false, verified: true },
          ],
        },
        { id: CAROL, login: "carol", name: "Carol", emails: [] },
      ],
    });
    provider = make();
  });
  beforeEach(() => {
    gh.authorizeAs(ADA);
  });
  afterAll(async () => {
    await gh.close();
  });

  test("happy path: authorize with PKCE S256, exchange, /user + /user/emails -> profile keyed by the numeric id", async () => {
    const { input, url, state } = await authorize();
    expect(url.origin + url.pathname).toBe(`${gh.webBase}/login/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT,
      scope: "read:user user:email",
      state,
      code_challenge: url.searchParams.get("code_challenge"),
      code_challenge_method: "S256",
    });
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const profile = await provider.exchange(input);
    expect(profile).toEqual({ subject: String(ADA), email: "ada@example.com", emailVerified: true, name: "Ada Lovelace" });
    expect(provider).toMatchObject({ id: "github", kind: "oauth2" });

    const token = gh.lastRequest("/login/oauth/access_token")!;
    expect(token.method).toBe("POST");
    expect(token.headers.accept).toBe("application/json");
    expect(Object.fromEntries(new URLSearchParams(token.body))).toEqual({
      client_id: CLIENT_ID,
      client_secret: SECRET,
      code: input.code,
      redirect_uri: REDIRECT,
      code_verifier: input.codeVerifier,
    });
    for (const path of ["/api/v3/user", "/api/v3/user/emails"]) {
      const api = gh.lastRequest(path)!;
      expect(api.headers.authorization).toMatch(/^Bearer gho_/);
      expect(api.headers.accept).toBe("application/vnd.github+json");
      expect(api.headers["x-github-api-version"]).toBe("2022-11-28");
      expect(api.headers["user-agent"]).toBe("portcullis");
    }
  });

  test("an unverified primary email gives email null / emailVerified false (a verified secondary is not used)", async () => {
    gh.authorizeAs(BOB);
    const { input } = await authorize();
    // No name: the login is the display name; the subject stays the numeric id.
    expect(await provider.exchange(input)).toEqual({ subject: String(BOB), email: null, emailVerified: false, name: "bob" });
  });

  test("no addresses, or no user:email scope (GitHub answers 404), gives email null", async () => {
    gh.authorizeAs(CAROL);
    expect(await provider.exchange((await authorize()).input)).toMatchObject({ subject: String(CAROL), email: null, emailVerified: false });
    gh.authorizeAs(ADA);
    const narrow = make({ scopes: ["read:user"] });
    expect(await narrow.exchange((await authorize(narrow)).input)).toMatchObject({ subject: String(ADA), email: null, emailVerified: false });
  });

  test("token errors arrive as 200 + {error}: token_exchange_failed with GitHub's code", async () => {
    const wrongSecret = make({ clientSecret: "not-the-github-secret" });
    const first = await authorize(wrongSecret);
    const credentials = await expectFailure(wrongSecret.exchange(first.input), "token_exchange_failed", ["not-the-github-secret", SECRET, first.input.code]);
    expect(credentials.detail).toEqual({ reason: "token_exchange_failed", error: "incorrect_client_credentials" });

    const second = await authorize();
    const wrongVerifier = (await pkcePair()).verifier;
    const pkce = await expectFailure(provider.exchange({ ...second.input, codeVerifier: wrongVerifier }), "token_exchange_failed", [
      SECRET,
      second.input.code,
      wrongVerifier,
    ]);
    expect(pkce.detail).toMatchObject({ error: "bad_verification_code" });
  });

  test("code replay: the second exchange fails", async () => {
    const { input } = await authorize();
    await provider.exchange(input);
    await expectFailure(provider.exchange(input), "token_exchange_failed", [SECRET, input.code, input.codeVerifier]);
  });

  test("API 401 (the token is refused) is userinfo_failed", async () => {
    const { input } = await authorize();
    gh.respondOnce("/api/v3/user", { status: 401, body: JSON.stringify({ message: "Bad credentials" }) });
    await expectFailure(provider.exchange(input), "userinfo_failed", [SECRET, input.code]);
    const again = await authorize();
    gh.respondOnce("/api/v3/user/emails", { status: 401, body: JSON.stringify({ message: "Bad credentials" }) });
    await expectFailure(provider.exchange(again.input), "userinfo_failed", [SECRET, again.input.code]);
  });

  test("malformed JSON and undocumented shapes are invalid_response", async () => {
    const cases: [string, string][] = [
      ["/login/oauth/access_token", "{not json"],
      ["/login/oauth/access_token", JSON.stringify({ token_type: "bearer" })],
      ["/login/oauth/access_token", JSON.stringify({ access_token: "gho_x", token_type: "mac" })],
      ["/api/v3/user", "{not json"],
      ["/api/v3/user", JSON.stringify({ id: "583231", login: "ada" })],
      ["/api/v3/user", JSON.stringify({ id: 1.5, login: "ada" })],
      ["/api/v3/user", JSON.stringify({ id: 1, login: "" })],
      ["/api/v3/user", JSON.stringify({ id: 1, login: "ada", name: 5 })],
      ["/api/v3/user/emails", "[{"],
      ["/api/v3/user/emails", JSON.stringify({ email: "ada@example.com" })],
      ["/api/v3/user/emails", JSON.stringify([{ email: "ada@example.com", primary: "yes", verified: true }])],
    ];
    for (const [path, body] of cases) {
      const { input } = await authorize();
      gh.respondOnce(path, { status: 200, body });
      await expectFailure(provider.exchange(input), "invalid_response", [SECRET, input.code]);
    }
  });

  test("5xx and the rate limit are provider_unavailable", async () => {
    const first = await authorize();
    gh.respondOnce("/login/oauth/access_token", { status: 503, body: "unavailable" });
    await expectFailure(provider.exchange(first.input), "provider_unavailable", [SECRET, first.input.code]);
    const second = await authorize();
    gh.respondOnce("/api/v3/user", {
      status: 403,
      body: JSON.stringify({ message: "API rate limit exceeded" }),
      headers: { "x-ratelimit-remaining": "0" },
    });
    await expectFailure(provider.exchange(second.input), "provider_unavailable", [SECRET, second.input.code]);
  });

  test("a redirect from the token endpoint is not followed: the client secret is never re-sent elsewhere", async () => {
    const { input } = await authorize();
    gh.respondOnce("/login/oauth/access_token", { status: 307, body: "", headers: { location: `${gh.webBase}/collect` } });
    await expectFailure(provider.exchange(input), "token_exchange_failed", [SECRET, input.code]);
    expect(gh.requestCount("/collect")).toBe(0);
  });

  test("an iss in the callback that is not GitHub is refused before the code is sent", async () => {
    const { input } = await authorize();
    const before = gh.requestCount("/login/oauth/access_token");
    await expectFailure(provider.exchange({ ...input, issuer: "https://evil.example" }), "issuer_mismatch", [SECRET, input.code]);
    expect(gh.requestCount("/login/oauth/access_token")).toBe(before);
    expect((await provider.exchange(input)).subject).toBe(String(ADA));
  });

  test("authorizationUrl refuses to build a URL without state or an S256 challenge", async () => {
    const { challenge } = await pkcePair();
    await expect(provider.authorizationUrl({ state: "", codeChallenge: challenge, nonce: null, redirectUri: REDIRECT })).rejects.toThrow(TypeError);
    await expect(provider.authorizationUrl({ state: "s", codeChallenge: "short", nonce: null, redirectUri: REDIRECT })).rejects.toThrow(TypeError);
  });
});

describe("githubProvider configuration", () => {
  test("bases must be https (http only on loopback), credentials required, secrets never echoed", () => {
    const attempt = (options: Partial<GithubProviderOptions>): Error => {
      try {
        githubProvider({ clientId: CLIENT_ID, clientSecret: SECRET, ...options });
      } catch (error) {
        return error as Error;
      }
      throw new Error("expected a ConfigurationError");
    };
    for (const options of [{ webBase: "http://github.com" }, { apiBase: "ftp://api.github.com" }, { clientSecret: "" }, { id: "GitHub" }, { webBase: "https://github.com?x" }]) {
      const error = attempt(options);
      expect(error, JSON.stringify(options)).toBeInstanceOf(ConfigurationError);
      expect(error.message).not.toContain(SECRET);
    }
    expect(githubProvider({ clientId: CLIENT_ID, clientSecret: SECRET }).id).toBe("github");
    expect(githubProvider({ clientId: CLIENT_ID, clientSecret: SECRET, webBase: "https://github.example.com/" }).kind).toBe("oauth2");
  });
});
