/**
 * The gateway's 0.4 configuration (src/runtimes/worker/config.ts, oauth-config.ts, mail-config.ts): PUBLIC_ORIGIN,
 * OIDC_PROVIDERS + OAUTH_<ID>_CLIENT_SECRET, Google / GitHub, MAIL_*, DEV_INBOX,
 * REQUIRE_VERIFIED_EMAIL. Every mistake is a ConfigurationError naming the variable, and no
 * message ever carries a secret. Pure functions: runs in Node and workerd.
 */
import { describe, expect, test } from "vitest";
import { ConfigurationError } from "../../src/core/errors.js";
import { gatewayConfig, type GatewayEnv } from "../../src/runtimes/worker/config.js";
import { clientSecretVar } from "../../src/runtimes/worker/oauth-config.js";
import { signInPlugins } from "../../src/runtimes/worker/sign-in-plugins.js";

const base: GatewayEnv = { DB: {} as GatewayEnv["DB"], ORIGIN_URL: "http://127.0.0.1:8788" };
const SECRET = "s3cr3t-value-that-must-never-be-logged";
const ACME = '[{"id":"acme-sso","issuer":"https://sso.acme.example","clientId":"portcullis","name":"Acme SSO"}]';
const WITH_ACME: GatewayEnv = { ...base, PUBLIC_ORIGIN: "https://auth.example.com", OIDC_PROVIDERS: ACME, OAUTH_ACME_SSO_CLIENT_SECRET: SECRET };
const HTTP_MAIL = { MAIL_API_URL: "https://api.resend.com/emails", MAIL_API_KEY: SECRET, MAIL_FROM: "Portcullis <login@example.com>" };

/** The thrown error's message (the test fails when nothing is thrown or it is another error). */
function failure(env: GatewayEnv): string {
  try {
    gatewayConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).not.toContain(SECRET);
    return message;
  }
  throw new Error("expected a ConfigurationError");
}

describe("defaults: nothing new configured", () => {
  test("no public origin, no providers, no mail, verification not required", () => {
    const config = gatewayConfig(base);
    expect(config.publicOrigin).toBeNull();
    expect(config.oauthProviders).toEqual([]);
    expect(config.mail).toBeNull();
    expect(config.settings.requireVerifiedEmail).toBeUndefined();
    expect(signInPlugins(config, "/auth")).toEqual({ plugins: [], signIn: { providers: [], magicLink: false } });
  });
});

describe("PUBLIC_ORIGIN", () => {
  test.each([
    ["https://auth.example.com", "https://auth.example.com"],
    ["https://auth.example.com/", "https://auth.example.com"],
    ["  http://localhost:8787 ", "http://localhost:8787"],
    ["http://127.0.0.1:8787", "http://127.0.0.1:8787"],
  ])("%j -> %s", (value, expected) => {
    expect(gatewayConfig({ ...base, PUBLIC_ORIGIN: value }).publicOrigin).toBe(expected);
  });

  test.each(["auth.example.com", "http://auth.example.com", "https://auth.example.com/auth", "https://auth.example.com?x=1", "https://u:p@auth.example.com", "ftp://auth.example.com"])(
    "refuses %j",
    (value) => {
      expect(failure({ ...base, PUBLIC_ORIGIN: value })).toMatch(/^PUBLIC_ORIGIN /);
    },
  );

  test("required as soon as OAuth or mail is configured", () => {
    expect(failure({ ...WITH_ACME, PUBLIC_ORIGIN: undefined })).toMatch(/^PUBLIC_ORIGIN is required when OAuth providers are configured/);
    expect(failure({ ...base, ...HTTP_MAIL })).toMatch(/^PUBLIC_ORIGIN is required when MAIL_API_URL is set/);
    expect(failure({ ...base, DEV_INBOX: "true" })).toMatch(/^PUBLIC_ORIGIN is required when DEV_INBOX is set/);
  });
});

describe("OIDC_PROVIDERS + OAUTH_<ID>_CLIENT_SECRET", () => {
  test("one provider: spec with its secret, a button label, and the plugin built from it", () => {
    const config = gatewayConfig(WITH_ACME);
    expect(config.oauthProviders).toEqual([
      { kind: "oidc", id: "acme-sso", label: "Acme SSO", issuer: "https://sso.acme.example", clientId: "portcullis", clientSecret: SECRET },
    ]);
    const ways = signInPlugins(config, "/auth");
    expect(ways.plugins.map((plugin) => plugin.id)).toEqual(["oauth"]);
    expect(ways.signIn).toEqual({ providers: [{ id: "acme-sso", label: "Acme SSO" }], magicLink: false });
  });

  test("the label defaults to the id; the secret variable is the upper-cased id", () => {
    expect(clientSecretVar("acme-sso")).toBe("OAUTH_ACME_SSO_CLIENT_SECRET");
    const config = gatewayConfig({ ...WITH_ACME, OIDC_PROVIDERS: '[{"id":"okta","issuer":"https://x.okta.example/oauth2/default","clientId":"c"}]', OAUTH_OKTA_CLIENT_SECRET: SECRET });
    expect(config.oauthProviders[0]).toMatchObject({ id: "okta", label: "okta", issuer: "https://x.okta.example/oauth2/default" });
  });

  test("http issuers only on loopback (the local test provider)", () => {
    const local = gatewayConfig({ ...WITH_ACME, OIDC_PROVIDERS: '[{"id":"acme-sso","issuer":"http://127.0.0.1:9999","clientId":"c"}]' });
    expect(local.oauthProviders[0]).toMatchObject({ issuer: "http://127.0.0.1:9999" });
    expect(failure({ ...WITH_ACME, OIDC_PROVIDERS: '[{"id":"acme-sso","issuer":"http://sso.acme.example","clientId":"c"}]' })).toMatch(/^OIDC_PROVIDERS\[0\]\.issuer must use https/);
  });

  test("a missing secret names its variable and how to set it", () => {
    expect(failure({ ...WITH_ACME, OAUTH_ACME_SSO_CLIENT_SECRET: undefined })).toBe(
      'OAUTH_ACME_SSO_CLIENT_SECRET is required for the OIDC provider "acme-sso" (set it with `wrangler secret put OAUTH_ACME_SSO_CLIENT_SECRET`, or in .dev.vars locally)',
    );
    expect(failure({ ...WITH_ACME, OAUTH_ACME_SSO_CLIENT_SECRET: "  " })).toMatch(/^OAUTH_ACME_SSO_CLIENT_SECRET is required/);
  });

  test("a secret pasted into the var is refused without being repeated", () => {
    const leaked = JSON.stringify([{ id: "acme-sso", issuer: "https://sso.acme.example", clientId: "c", clientSecret: SECRET }]);
    expect(failure({ ...WITH_ACME, OIDC_PROVIDERS: leaked })).toBe("OIDC_PROVIDERS[0] must not carry the client secret: put it in the secret OAUTH_ACME_SSO_CLIENT_SECRET instead");
  });

  test.each([
    ["not JSON", "acme", /^OIDC_PROVIDERS must be a JSON array/],
    ["an object", '{"id":"a"}', /^OIDC_PROVIDERS must be a JSON array/],
    ["a string entry", '["acme"]', /^OIDC_PROVIDERS\[0\] must be an object/],
    ["an upper-case id", '[{"id":"Acme","issuer":"https://a.example","clientId":"c"}]', /^OIDC_PROVIDERS\[0\]\.id must match/],
    ["an id with a slash", '[{"id":"a/b","issuer":"https://a.example","clientId":"c"}]', /^OIDC_PROVIDERS\[0\]\.id must match/],
    ["no issuer", '[{"id":"acme-sso","clientId":"c"}]', /^OIDC_PROVIDERS\[0\]\.issuer is required/],
    ["an issuer with a query", '[{"id":"acme-sso","issuer":"https://a.example/?x=1","clientId":"c"}]', /^OIDC_PROVIDERS\[0\]\.issuer must not carry a query/],
    ["no client id", '[{"id":"acme-sso","issuer":"https://a.example"}]', /^OIDC_PROVIDERS\[0\]\.clientId must be/],
    ["a client id with a space", '[{"id":"acme-sso","issuer":"https://a.example","clientId":"a b"}]', /^OIDC_PROVIDERS\[0\]\.clientId must be/],
    ["an unknown field", '[{"id":"acme-sso","issuer":"https://a.example","clientId":"c","scope":"openid"}]', /^OIDC_PROVIDERS\[0\] has an unknown field "scope"/],
    ["an empty name", '[{"id":"acme-sso","issuer":"https://a.example","clientId":"c","name":" "}]', /^OIDC_PROVIDERS\[0\]\.name must be/],
    [
      "a duplicate id",
      '[{"id":"acme-sso","issuer":"https://a.example","clientId":"c"},{"id":"acme-sso","issuer":"https://b.example","clientId":"d"}]',
      /^OIDC_PROVIDERS: the id "acme-sso" is used twice/,
    ],
  ])("refuses %s", (_label, value, expected) => {
    expect(failure({ ...WITH_ACME, OIDC_PROVIDERS: value })).toMatch(expected);
  });
});

describe("Google and GitHub", () => {
  const origin = { PUBLIC_ORIGIN: "https://auth.example.com" };

  test("both pairs set: after OIDC_PROVIDERS, in that order, with their labels", () => {
    const config = gatewayConfig({ ...WITH_ACME, GOOGLE_CLIENT_ID: "g.apps.googleusercontent.com", GOOGLE_CLIENT_SECRET: SECRET, GITHUB_CLIENT_ID: "Iv1.abc", GITHUB_CLIENT_SECRET: SECRET });
    expect(config.oauthProviders.map(({ id, label }) => [id, label])).toEqual([
      ["acme-sso", "Acme SSO"],
      ["google", "Google"],
      ["github", "GitHub"],
    ]);
    expect(signInPlugins(config, "/auth").signIn.providers.map((provider) => provider.id)).toEqual(["acme-sso", "google", "github"]);
  });

  test.each([
    [{ GOOGLE_CLIENT_ID: "g" }, /^GOOGLE_CLIENT_ID is set but GOOGLE_CLIENT_SECRET is not/],
    [{ GOOGLE_CLIENT_SECRET: SECRET }, /^GOOGLE_CLIENT_SECRET is set but GOOGLE_CLIENT_ID is not/],
    [{ GITHUB_CLIENT_ID: "Iv1.abc" }, /^GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is not/],
    [{ GITHUB_CLIENT_SECRET: SECRET }, /^GITHUB_CLIENT_SECRET is set but GITHUB_CLIENT_ID is not/],
    [{ GITHUB_CLIENT_ID: "a b", GITHUB_CLIENT_SECRET: SECRET }, /^GITHUB_CLIENT_ID must not contain spaces/],
  ])("half a registration is refused: %j", (vars, expected) => {
    expect(failure({ ...base, ...origin, ...vars })).toMatch(expected);
  });

  test('an OIDC entry may not take the id "google" while GOOGLE_CLIENT_ID is set', () => {
    const env = { ...base, ...origin, OIDC_PROVIDERS: '[{"id":"google","issuer":"https://accounts.google.com","clientId":"c"}]', OAUTH_GOOGLE_CLIENT_SECRET: SECRET };
    expect(gatewayConfig(env).oauthProviders).toHaveLength(1);
    expect(failure({ ...env, GOOGLE_CLIENT_ID: "g", GOOGLE_CLIENT_SECRET: SECRET })).toMatch(/the id "google" is used twice/);
  });
});

describe("mail: MAIL_* or DEV_INBOX", () => {
  const origin = { PUBLIC_ORIGIN: "https://auth.example.com" };

  test("an HTTP mail API: magic links and address verification on", () => {
    const config = gatewayConfig({ ...base, ...origin, ...HTTP_MAIL });
    expect(config.mail).toEqual({ kind: "http", endpoint: "https://api.resend.com/emails", apiKey: SECRET, from: "Portcullis <login@example.com>" });
    const ways = signInPlugins(config, "/auth");
    expect(ways.plugins.map((plugin) => plugin.id)).toEqual(["magic-link", "email-verification"]);
    expect(ways.signIn.magicLink).toBe(true);
    expect(ways.devInbox).toBeUndefined();
  });

  test.each([
    [{ MAIL_API_URL: HTTP_MAIL.MAIL_API_URL }, /^MAIL_API_KEY and MAIL_FROM are required/],
    [{ MAIL_API_KEY: SECRET, MAIL_FROM: "a@b.example" }, /^MAIL_API_URL is required/],
    [{ ...HTTP_MAIL, MAIL_API_URL: "http://mail.example.com/send" }, /^MAIL_API_URL must use https/],
    [{ ...HTTP_MAIL, MAIL_API_URL: "not a url" }, /^MAIL_API_URL must be an absolute https URL/],
    [{ ...HTTP_MAIL, MAIL_FROM: "nobody" }, /^MAIL_FROM must be one sender address/],
    [{ ...HTTP_MAIL, MAIL_FROM: "a@b.example\r\nBcc: x@evil.test" }, /^MAIL_FROM must be one sender address/],
  ])("refuses %j", (vars, expected) => {
    expect(failure({ ...base, ...origin, ...vars })).toMatch(expected);
  });

  test("DEV_INBOX on localhost: the dev mailer and its inbox page", async () => {
    const config = gatewayConfig({ ...base, PUBLIC_ORIGIN: "http://localhost:8787", DEV_INBOX: "true" });
    expect(config.mail).toEqual({ kind: "dev-inbox" });
    const ways = signInPlugins(config, "/auth");
    expect(ways.signIn.magicLink).toBe(true);
    const inbox = ways.devInbox!();
    expect(inbox.status).toBe(200);
    expect(inbox.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await inbox.text()).toContain("Development inbox");
  });

  test("DEV_INBOX is refused with a public origin, and together with an HTTP mail API", () => {
    expect(failure({ ...base, ...origin, DEV_INBOX: "true" })).toMatch(/^DEV_INBOX is for local development only/);
    expect(failure({ ...base, PUBLIC_ORIGIN: "http://localhost:8787", DEV_INBOX: "true", ...HTTP_MAIL, MAIL_API_URL: "http://127.0.0.1:9/send" })).toMatch(
      /^DEV_INBOX and MAIL_API_URL are both set/,
    );
    expect(failure({ ...base, ...origin, DEV_INBOX: "yes" })).toBe('DEV_INBOX must be "true" or "false"');
    expect(gatewayConfig({ ...base, ...origin, DEV_INBOX: "false" }).mail).toBeNull();
  });
});

describe("REQUIRE_VERIFIED_EMAIL", () => {
  test('"true" sets settings.requireVerifiedEmail; it needs a mailer', () => {
    const config = gatewayConfig({ ...base, PUBLIC_ORIGIN: "https://auth.example.com", ...HTTP_MAIL, REQUIRE_VERIFIED_EMAIL: "true" });
    expect(config.settings.requireVerifiedEmail).toBe(true);
    expect(failure({ ...base, REQUIRE_VERIFIED_EMAIL: "true" })).toMatch(/^REQUIRE_VERIFIED_EMAIL needs a mailer/);
    expect(failure({ ...base, REQUIRE_VERIFIED_EMAIL: "1" })).toBe('REQUIRE_VERIFIED_EMAIL must be "true" or "false"');
    expect(gatewayConfig({ ...base, REQUIRE_VERIFIED_EMAIL: "false" }).settings.requireVerifiedEmail).toBeUndefined();
  });
});
