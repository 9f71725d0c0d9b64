import { describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { createAuth } from "../../src/core/create-auth.js";
import { ConfigurationError } from "../../src/core/errors.js";
import type { SettingsInput } from "../../src/core/settings.js";
import { fastHasher, makeHarness, request, signUp } from "../helpers/harness.js";

function build(settings: unknown): unknown {
  return createAuth({ stores: memoryStores(), hasher: fastHasher(), settings: settings as SettingsInput });
}

describe("settings are validated once, at start-up", () => {
  test.each([
    ["an unknown key", { sesion: {} }, /sesion/],
    ["a bad base path", { basePath: "auth" }, /basePath/],
    ["a wildcard trusted origin", { trustedOrigins: ["https://*.example.com"] }, /trustedOrigins/],
    ["an origin with a path", { trustedOrigins: ["https://example.com/app"] }, /bare origin/],
    ["a too-short minimum password", { password: { minLength: 6 } }, /password.minLength/],
    ["a maximum below 64", { password: { maxLength: 32 } }, /password.maxLength/],
    ["idle longer than absolute", { session: { idleTimeout: 7200, absoluteTimeout: 3600 } }, /idleTimeout/],
    ["a __Host- cookie without Secure", { cookie: { secure: false } }, /__Host-/],
    ["a strategy chosen by a setting (strategies are injected)", { session: { strategy: "jwt" } }, /session.strategy/],
  ])("%s is a ConfigurationError naming the setting", (_name, settings, message) => {
    expect(() => build(settings)).toThrow(ConfigurationError);
    expect(() => build(settings)).toThrow(message);
  });

  test("missing stores are a ConfigurationError", () => {
    const { sessions: _omit, ...partial } = memoryStores();
    expect(() => createAuth({ stores: partial as never, hasher: fastHasher() })).toThrow(/stores.sessions is required/);
  });

  test("a missing hasher is a ConfigurationError, not a slow default", () => {
    expect(() => createAuth({ stores: memoryStores() } as never)).toThrow(/needs a password hasher/);
  });

  test("a custom base path and cookie name are honoured", async () => {
    const { auth } = makeHarness({ settings: { basePath: "/api/identity", cookie: { name: "sid", secure: false } } });
    const response = await auth.handle(request("/api/identity/sign-up", { body: { email: "a@example.com", password: "correct horse battery" } }));
    expect(response.status).toBe(201);
    expect(response.headers.get("set-cookie")).toMatch(/^sid=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    expect((await auth.handle(request("/auth/sign-up", { body: {} }))).status).toBe(404);
  });

  test("the default timeouts are 7 days idle and 30 days absolute", async () => {
    const { auth } = makeHarness();
    const { response } = await signUp(auth);
    const body = (await response.json()) as { session: { createdAt: string; expiresAt: string; idleExpiresAt: string } };
    const created = Date.parse(body.session.createdAt);
    expect(Date.parse(body.session.expiresAt) - created).toBe(30 * 86_400_000);
    expect(Date.parse(body.session.idleExpiresAt) - created).toBe(7 * 86_400_000);
  });
});
