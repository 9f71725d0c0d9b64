import { describe, expect, test } from "vitest";
import { memoryStores } from "../../../src/adapters/memory/index.js";
import { createAuth } from "../../../src/create-auth.js";
import { ConfigurationError } from "../../../src/core/errors.js";
import { oauth, type OAuthOptions } from "../../../src/oauth/index.js";
import { fastHasher } from "../../helpers/harness.js";
import { call, fakeProvider, makeFixture, ORIGIN } from "./fixture.js";
import { emailPassword } from "../../../src/credentials/password/index.js";
import type { SettingsInput } from "../../../src/core/settings.js";

function configure(options: Partial<OAuthOptions>): () => unknown {
  return () => oauth({ providers: [fakeProvider("google")], ...options } as OAuthOptions);
}

describe("oauth() options are validated at start-up", () => {
  test("redirect URIs are built on settings.publicOrigin: required, a bare https origin (http only for loopback)", () => {
    const start = (settings: SettingsInput) => () => createAuth({ stores: memoryStores(), plugins: [oauth({ providers: [fakeProvider("google")] })], settings });
    expect(start({})).toThrow(/oauth needs settings.publicOrigin/);
    for (const publicOrigin of ["app.example.com", "https://app.example.com/auth", "http://app.example.com", "ftp://app.example.com", "https://*.example.com"]) {
      expect(start({ publicOrigin }), publicOrigin).toThrow(ConfigurationError);
    }
    // Plain http off loopback is refused for redirect URIs even where the cookie settings allow it.
    expect(start({ publicOrigin: "http://app.example.com", cookie: { secure: false, name: "sid" } })).toThrow(/https/);
    expect(start({ publicOrigin: "http://localhost:8787" })).not.toThrow();
    expect(start({ publicOrigin: "http://127.0.0.1:8787" })).not.toThrow();
    // 0.4's option, refused with a pointer instead of ignored.
    expect(configure({ origin: ORIGIN } as Partial<OAuthOptions>)).toThrow(/moved to settings.publicOrigin/);
  });

  test("provider ids are [a-z0-9-]{1,32} and unique; providers implement the port", () => {
    expect(configure({ providers: [] })).toThrow(/non-empty/);
    for (const id of ["Google", "go_ogle", "", "a".repeat(33), "../x", "a:b"]) {
      expect(configure({ providers: [fakeProvider(id)] }), id).toThrow(/provider id must match/);
    }
    expect(configure({ providers: [fakeProvider("google"), fakeProvider("google", "oauth2")] })).toThrow(/used twice/);
    expect(configure({ providers: [{ ...fakeProvider("x"), kind: "saml" as "oidc" }] })).toThrow(/kind/);
    expect(configure({ providers: [{ id: "x", kind: "oidc" } as never] })).toThrow(/authorizationUrl and exchange/);
  });

  test("errorRedirect must be a same-origin path without a query", () => {
    for (const errorRedirect of ["https://evil.test/x", "//evil.test", "/\\evil.test", "/sign-in?x=1", "/sign-in#x", "sign-in", "/a/../b"]) {
      expect(configure({ errorRedirect }), errorRedirect).toThrow(/errorRedirect/);
    }
    expect(configure({ errorRedirect: "/auth/sign-in" })).not.toThrow();
  });

  test("stateTtlSeconds is an integer from 60 to 3600", () => {
    for (const stateTtlSeconds of [0, 59, 3601, 1.5, Number.NaN]) expect(configure({ stateTtlSeconds }), String(stateTtlSeconds)).toThrow(/stateTtlSeconds/);
    expect(configure({ stateTtlSeconds: 60 })).not.toThrow();
  });

  test("the route table: per provider start, callback, link; unlink and accounts once", async () => {
    const fixture = makeFixture();
    for (const id of ["google", "github"]) {
      expect((await call(fixture.auth, `/auth/oauth/${id}/start`)).status).toBe(303);
      expect((await call(fixture.auth, `/auth/oauth/${id}/callback`)).status).toBe(400);
      expect((await call(fixture.auth, `/auth/oauth/${id}/link`, { method: "POST" })).status).toBe(401);
      expect((await call(fixture.auth, `/auth/oauth/${id}/start`, { method: "POST" })).status).toBe(405);
    }
    expect((await call(fixture.auth, "/auth/oauth/unknown/start")).status).toBe(404);
    expect((await call(fixture.auth, "/auth/oauth/unlink", { body: { provider: "google" } })).status).toBe(401);
    expect((await call(fixture.auth, "/auth/oauth/accounts")).status).toBe(401);
  });

  test("a provider id that clashes with another plugin's route is a start-up error, like any route clash", () => {
    // Two oauth plugins would register the same routes (and the same plugin id).
    const plugin = oauth({ providers: [fakeProvider("google")] });
    expect(() => createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: fastHasher() }), plugin, plugin], settings: { publicOrigin: ORIGIN } })).toThrow(/registered twice/);
  });
});
