import { describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { createAuth } from "../../src/create-auth.js";
import { ConfigurationError } from "../../src/core/errors.js";
import { json } from "../../src/core/http/respond.js";
import { definePlugin } from "../../src/core/plugins.js";
import type { SessionStore } from "../../src/ports/session-store.js";
import { errorCode, fastHasher, makeHarness, request, signUp } from "../helpers/harness.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const CREDENTIALS = { email: "ada@example.com", password: "correct horse battery" };

describe("plugin registry", () => {
  test("a plugin that needs an atomic store refuses an eventual one, naming both", () => {
    const stores = memoryStores();
    const eventual: SessionStore = { ...stores.sessions, consistency: "eventual" };
    const plugin = definePlugin({ id: "magic-link", requires: { sessions: "atomic" }, setup: () => ({}) });
    expect(() => createAuth({ stores: { ...stores, sessions: eventual }, plugins: [emailPassword({ hasher: fastHasher() }), plugin] })).toThrow(ConfigurationError);
    expect(() => createAuth({ stores: { ...stores, sessions: eventual }, plugins: [emailPassword({ hasher: fastHasher() }), plugin] })).toThrow(
      /plugin "magic-link" requires an atomic sessions store, but the configured one is eventual/,
    );
    expect(() => createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), plugin] })).not.toThrow();
  });

  test("nothing is on unless listed, ids are unique, and a plugin sees only the stores it declared", () => {
    const stores = memoryStores();
    let seen: string[] = [];
    const plugin = definePlugin({
      id: "probe",
      requires: { users: "any" },
      setup: (ports) => ((seen = Object.keys(ports)), {}),
    });
    createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), plugin] });
    expect(seen).toEqual(["users"]);
    expect(() => createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), plugin, plugin] })).toThrow(/registered twice/);
  });

  test("plugin routes are served under the base path, with CSRF and error mapping", async () => {
    const plugin = definePlugin({
      id: "hello",
      requires: {},
      setup: () => ({ routes: [{ method: "POST", path: "/hello", handle: async () => json(200, { hi: true }) }] }),
    });
    const { auth } = makeHarness({ plugins: [plugin] });
    expect((await auth.handle(request("/auth/hello", { method: "POST" }))).status).toBe(200);
    expect((await auth.handle(request("/auth/hello", { method: "POST", headers: { origin: "https://evil.test" } }))).status).toBe(403);
    const clash = definePlugin({ id: "clash", requires: {}, setup: () => ({ routes: [{ method: "POST", path: "/sign-in", handle: async () => json(200, {}) }] }) });
    expect(() => makeHarness({ plugins: [clash] })).toThrow(/two routes claim POST \/sign-in/);
  });
});

describe("the challenge and risk stages", () => {
  test("a challenge ends sign-in with 'challenge required': no session, audited as challenge", async () => {
    const mfa = definePlugin({
      id: "mfa",
      requires: {},
      setup: () => ({ challenges: [{ kind: "totp", decide: async () => ({ required: true, kind: "totp", data: { digits: 6 } }) }] }),
    });
    const first = makeHarness();
    await signUp(first.auth);
    const { auth } = makeHarness({ stores: first.stores, plugins: [mfa] });
    const response = await auth.handle(request("/auth/sign-in", { body: CREDENTIALS }));
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.json()).toEqual({ error: { code: "challenge_required", message: "another step is required", challenge: { kind: "totp", data: { digits: 6 } } } });
    const user = await first.stores.users.findByEmail("ada@example.com");
    expect(await first.stores.sessions.listByUser(user!.id)).toHaveLength(1); // only the sign-up session
    expect(first.stores.audit.events.at(-1)).toMatchObject({ type: "sign_in", outcome: "challenge", reason: "totp" });
  });

  test("a challenge provider that passes lets the session through", async () => {
    const never = definePlugin({ id: "never", requires: {}, setup: () => ({ challenges: [{ kind: "x", decide: async () => ({ required: false }) }] }) });
    const { auth } = makeHarness({ plugins: [never] });
    expect((await auth.handle(request("/auth/sign-up", { body: CREDENTIALS }))).status).toBe(201);
  });

  test("a risk 'deny' after a correct password answers exactly like a wrong password", async () => {
    const risky = definePlugin({ id: "risk", requires: {}, setup: () => ({ risk: { evaluate: async () => ({ score: 90, action: "deny" as const, signals: ["tor"] }) } }) });
    const first = makeHarness();
    await signUp(first.auth);
    const { auth } = makeHarness({ stores: first.stores, plugins: [risky] });
    const response = await auth.handle(request("/auth/sign-in", { body: CREDENTIALS }));
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe("invalid_credentials");
    expect(first.stores.audit.events.at(-1)).toMatchObject({ outcome: "failure", reason: "risk_denied", detail: { method: "password", risk: 90, signals: "tor" } });
  });

  test("risk asking for a challenge that no provider can give fails closed", async () => {
    const risky = definePlugin({ id: "risk", requires: {}, setup: () => ({ risk: { evaluate: async () => ({ score: 50, action: "challenge" as const, signals: [] }) } }) });
    const first = makeHarness();
    await signUp(first.auth);
    const { auth } = makeHarness({ stores: first.stores, plugins: [risky] });
    const response = await auth.handle(request("/auth/sign-in", { body: CREDENTIALS }));
    expect(response.status).toBe(401);
    expect(first.stores.audit.events.at(-1)).toMatchObject({ reason: "challenge_unavailable" });
  });

  test("a refused sign-up leaves no account behind", async () => {
    const risky = definePlugin({ id: "risk", requires: {}, setup: () => ({ risk: { evaluate: async () => ({ score: 99, action: "deny" as const, signals: [] }) } }) });
    const { auth, stores } = makeHarness({ plugins: [risky] });
    const response = await auth.handle(request("/auth/sign-up", { body: CREDENTIALS }));
    expect(response.status).toBe(403);
    expect(await stores.users.findByEmail("ada@example.com")).toBeNull();
  });

  test("two risk evaluators are a configuration error", () => {
    const risk = { evaluate: async () => ({ score: 0, action: "allow" as const, signals: [] }) };
    const a = definePlugin({ id: "a", requires: {}, setup: () => ({ risk }) });
    const b = definePlugin({ id: "b", requires: {}, setup: () => ({ risk }) });
    expect(() => makeHarness({ plugins: [a, b] })).toThrow(/second risk evaluator/);
  });
});
