import { describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { createAuth } from "../../src/create-auth.js";
import { ConfigurationError } from "../../src/core/errors.js";
import type { SettingsInput } from "../../src/core/settings.js";
import { emailPassword } from "../../src/credentials/password/index.js";
import { fastHasher, makeHarness, request, signUp } from "../helpers/harness.js";

function build(settings: unknown): unknown {
  return createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: fastHasher() })], settings: settings as SettingsInput });
}

describe("settings are validated once, at start-up", () => {
  test.each([
    ["an unknown key", { sesion: {} }, /sesion/],
    ["a bad base path", { basePath: "auth" }, /basePath/],
    ["a wildcard trusted origin", { trustedOrigins: ["https://*.example.com"] }, /trustedOrigins/],
    ["an origin with a path", { trustedOrigins: ["https://example.com/app"] }, /bare origin/],
    ["a trusted origin that is no URL", { trustedOrigins: ["app.example"] }, /trustedOrigins/],
    ["a public origin with a path", { publicOrigin: "https://app.example.com/app" }, /publicOrigin/],
    ["a public origin that is no URL", { publicOrigin: "app.example.com" }, /publicOrigin/],
    ["a public origin on plain http off loopback", { publicOrigin: "http://app.example.com" }, /publicOrigin must use https/],
    ["the 0.4 password settings (moved to the plugin)", { password: { minLength: 12 } }, /settings.password moved to the password plugin: emailPassword/],
    ["idle longer than absolute", { session: { idleTimeout: 7200, absoluteTimeout: 3600 } }, /idleTimeout/],
    ["a __Host- cookie without Secure", { cookie: { secure: false } }, /__Host-/],
    ["a strategy chosen by a setting (strategies are injected)", { session: { strategy: "jwt" } }, /session.strategy/],
  ])("%s is a ConfigurationError naming the setting", (_name, settings, message) => {
    expect(() => build(settings)).toThrow(ConfigurationError);
    expect(() => build(settings)).toThrow(message);
  });

  test("missing stores are a ConfigurationError", () => {
    const { sessions: _omit, ...partial } = memoryStores();
    expect(() => createAuth({ stores: partial as never, plugins: [emailPassword({ hasher: fastHasher() })] })).toThrow(/stores.sessions is required/);
  });

  test("the 0.4 hasher option is refused with a pointer to the password plugin, not ignored", () => {
    expect(() => createAuth({ stores: memoryStores(), hasher: fastHasher() } as never)).toThrow(/pass it to the password plugin/);
  });

  test("emailPassword checks its own options: a hasher, and NIST length bounds", () => {
    expect(() => emailPassword({} as never)).toThrow(/needs a hasher/);
    expect(() => emailPassword({ hasher: fastHasher(), minLength: 6 })).toThrow(/minLength/);
    expect(() => emailPassword({ hasher: fastHasher(), maxLength: 32 })).toThrow(/maxLength/);
    expect(emailPassword({ hasher: fastHasher() }).policy).toMatchObject({ minLength: 8, maxLength: 256 });
  });

  test("plain http is accepted for a loopback public origin, or with cookie.secure=false", () => {
    expect(() => build({ publicOrigin: "http://localhost:3000" })).not.toThrow();
    expect(() => build({ publicOrigin: "http://192.168.1.5:3000", cookie: { secure: false, name: "sid" } })).not.toThrow();
  });

  test("without the password plugin there is no password route, only the core ones", async () => {
    const auth = createAuth({ stores: memoryStores() });
    const response = await auth.handle(request("/auth/sign-up", { body: { email: "a@example.com", password: "correct horse battery" } }));
    expect(response.status).toBe(404);
    expect((await auth.handle(request("/auth/session"))).status).toBe(401);
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
