import { describe, expect, test } from "vitest";
import { faulty } from "../../../src/adapters/faulty.js";
import { memoryStores } from "../../../src/adapters/memory/index.js";
import { createAuth } from "../../../src/create-auth.js";
import { ConfigurationError } from "../../../src/core/errors.js";
import { definePlugin } from "../../../src/core/plugins.js";
import { oauth } from "../../../src/oauth/index.js";
import type { SingleUseStore } from "../../../src/ports/single-use-store.js";
import { fastHasher } from "../../helpers/harness.js";
import { BINDING, call, CLIENT_SECRET, errorOf, fakeProvider, makeFixture, ORIGIN, profile, sessionFor, SESSION, setCookie, signInWith, start } from "./fixture.js";
import { emailPassword } from "../../../src/credentials/password/index.js";

describe("one state, one session (ASVS 15.4.2)", () => {
  test("50 concurrent callbacks with one state and code give exactly one session", async () => {
    const fixture = makeFixture();
    const started = await start(fixture.auth, "google");
    const callback = fixture.google.approve(started.location, profile("g-1", "ada@example.com"));
    const responses = await Promise.all(Array.from({ length: 50 }, () => call(fixture.auth, callback, { cookie: started.binding })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(49);
    expect(responses.filter((r) => setCookie(r, SESSION) !== null)).toHaveLength(1);
    expect(fixture.google.exchangeCalls).toHaveLength(1);
    const user = await fixture.stores.users.findByEmail("ada@example.com");
    expect(await fixture.stores.sessions.listByUser(user!.id)).toHaveLength(1);
  });

  test("two concurrent first sign-ins of one new person (two flows) end in one account", async () => {
    const fixture = makeFixture();
    const a = await start(fixture.auth, "google");
    const b = await start(fixture.auth, "google");
    const who = profile("g-1", "ada@example.com");
    const [ra, rb] = await Promise.all([
      call(fixture.auth, fixture.google.approve(a.location, who), { cookie: a.binding }),
      call(fixture.auth, fixture.google.approve(b.location, who), { cookie: b.binding }),
    ]);
    expect([ra!.status, rb!.status]).toEqual([303, 303]);
    const user = await fixture.stores.users.findByEmail("ada@example.com");
    expect(await fixture.stores.credentials.listByUser(user!.id)).toHaveLength(1);
    expect(await fixture.stores.sessions.listByUser(user!.id)).toHaveLength(2);
  });
});

describe("configuration and failures", () => {
  test("an eventual singleUse store is refused at createAuth", () => {
    const stores = memoryStores();
    const eventual: SingleUseStore = { ...stores.singleUse, consistency: "eventual" };
    const plugin = oauth({ providers: [fakeProvider("google")] });
    const settings = { publicOrigin: ORIGIN };
    expect(() => createAuth({ stores: { ...stores, singleUse: eventual }, plugins: [emailPassword({ hasher: fastHasher() }), plugin], settings })).toThrow(ConfigurationError);
    expect(() => createAuth({ stores: { ...stores, singleUse: eventual }, plugins: [emailPassword({ hasher: fastHasher() }), plugin], settings })).toThrow(
      /plugin "oauth" requires an atomic singleUse store, but the configured one is eventual/,
    );
    const { singleUse: _none, ...withoutSingleUse } = stores;
    expect(() => createAuth({ stores: withoutSingleUse, plugins: [emailPassword({ hasher: fastHasher() }), plugin], settings })).toThrow(/requires the singleUse store/);
  });

  test("a failing single-use store: start and callback answer 503 and no session is issued", async () => {
    const base = memoryStores();
    const startFails = makeFixture({ stores: { singleUse: faulty(base.singleUse, { mode: "throw", methods: ["put"] }) } });
    const response = await call(startFails.auth, "/auth/oauth/google/start");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(setCookie(response, BINDING)).toBeNull();

    const callbackFails = makeFixture({ stores: { singleUse: faulty(base.singleUse, { mode: "throw", methods: ["consume"] }) } });
    const started = await start(callbackFails.auth, "google");
    const failed = await call(callbackFails.auth, callbackFails.google.approve(started.location, profile("g-1", "ada@example.com")), { cookie: started.binding });
    expect(failed.status).toBe(503);
    expect(await errorOf(failed)).toMatchObject({ code: "storage_unavailable" });
    expect(setCookie(failed, SESSION)).toBeNull();
    expect(callbackFails.google.exchangeCalls).toHaveLength(0);
  });

  test("a failing user or session store: 503, no session, and no half-made account", async () => {
    const base = memoryStores();
    const usersDown = makeFixture({ stores: { users: faulty(base.users, { mode: "throw", methods: ["create"] }), credentials: base.credentials } });
    const one = await signInWith(usersDown, usersDown.google, profile("g-1", "ada@example.com"));
    expect(one.response.status).toBe(503);
    expect(setCookie(one.response, SESSION)).toBeNull();

    const fresh = memoryStores();
    const sessionsDown = makeFixture({ stores: { users: fresh.users, credentials: fresh.credentials, sessions: faulty(fresh.sessions, { mode: "throw", methods: ["create"] }) } });
    const two = await signInWith(sessionsDown, sessionsDown.google, profile("g-2", "bob@example.com"));
    expect(two.response.status).toBe(503);
    expect(setCookie(two.response, SESSION)).toBeNull();
    // The account this callback created is removed again (the pipeline's undo).
    expect(await fresh.users.findByEmail("bob@example.com")).toBeNull();
  });

  test("a failing audit sink: no session, no account, 503", async () => {
    const fixture = makeFixture();
    fixture.audit.write = async () => {
      throw new Error("sink down");
    };
    const { response } = await signInWith(fixture, fixture.google, profile("g-1", "ada@example.com"));
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({ code: "audit_unavailable" });
    expect(setCookie(response, SESSION)).toBeNull();
    expect(await fixture.stores.users.findByEmail("ada@example.com")).toBeNull();
  });

  test("a failing store answers the error page when errorRedirect is set", async () => {
    const base = memoryStores();
    const fixture = makeFixture({ oauth: { errorRedirect: "/auth/sign-in" }, stores: { singleUse: faulty(base.singleUse, { mode: "throw", methods: ["put"] }) } });
    const response = await call(fixture.auth, "/auth/oauth/google/start");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/auth/sign-in?error=storage_unavailable");
  });

  test("sign-in goes through the pipeline: a risk deny refuses it and removes the new account", async () => {
    const risky = definePlugin({ id: "risk", requires: {}, setup: () => ({ risk: { evaluate: async () => ({ score: 99, action: "deny" as const, signals: ["x"] }) } }) });
    const fixture = makeFixture({ plugins: [risky] });
    const { response } = await signInWith(fixture, fixture.google, profile("g-1", "ada@example.com"));
    expect(response.status).toBe(401);
    expect(setCookie(response, SESSION)).toBeNull();
    expect(fixture.audit.events.at(-1)).toMatchObject({ type: "sign_in", outcome: "failure", reason: "risk_denied", detail: { method: "oauth:google" } });
    expect(await fixture.stores.users.findByEmail("ada@example.com")).toBeNull();
  });
});

describe("settings and audit edges", () => {
  test("requireVerifiedEmail: an unverified provider address gets no session; a verified one does", async () => {
    const fixture = makeFixture({ settings: { requireVerifiedEmail: true } });
    const unverified = await signInWith(fixture, fixture.github, profile("7", "bob@example.com", false));
    expect(unverified.response.status).toBe(403);
    expect(await errorOf(unverified.response)).toMatchObject({ code: "email_not_verified" });
    expect(setCookie(unverified.response, SESSION)).toBeNull();
    const verified = await signInWith(fixture, fixture.google, profile("g-1", "ada@example.com", true));
    expect(verified.response.status).toBe(303);
  });

  test("an unlink whose audit write fails still removes access, and answers 503", async () => {
    const fixture = makeFixture();
    const session = await sessionFor(fixture, fixture.google, profile("g-1", "ada@example.com"));
    const started = await call(fixture.auth, "/auth/oauth/github/link", { method: "POST", cookie: session, headers: { accept: "application/json" } });
    const { url } = (await started.json()) as { url: string };
    const binding = setCookie(started, BINDING)!.split(";")[0]!;
    expect((await call(fixture.auth, fixture.github.approve(url, profile("gh-1", "ada@example.com")), { cookie: `${binding}; ${session}` })).status).toBe(303);
    fixture.audit.write = async () => {
      throw new Error("sink down");
    };
    const response = await call(fixture.auth, "/auth/oauth/unlink", { body: { provider: "github" }, cookie: session });
    expect(response.status).toBe(503);
    const user = await fixture.stores.users.findByEmail("ada@example.com");
    expect((await fixture.stores.credentials.listByUser(user!.id)).map((c) => c.identifier)).toEqual(["google:g-1"]);
  });
});

describe("secrets stay inside the provider", () => {
  test("a provider error carrying the client secret, the code and a token never reaches a body, a header or the audit trail", async () => {
    const fixture = makeFixture({ oauth: {} });
    const leaky = new Error(`token endpoint said no to client_secret=${CLIENT_SECRET} code=abc access_token=tok`);
    fixture.google.failWith = leaky;
    const started = await start(fixture.auth, "google");
    const callback = fixture.google.approve(started.location, profile("g-1", "ada@example.com"));
    const response = await call(fixture.auth, callback, { cookie: started.binding });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "oauth_failed", message: "sign-in with the provider failed", reason: "exchange_failed" } });
    const everything = text + JSON.stringify([...response.headers]) + JSON.stringify(fixture.audit.events);
    for (const secret of [CLIENT_SECRET, "access_token", new URL(callback).searchParams.get("code")!, started.state, started.binding.split("=")[1]!]) {
      expect(everything).not.toContain(secret);
    }
  });

  test("an AuthError from the provider with a leaky message is replaced by the flow's own", async () => {
    const fixture = makeFixture();
    const { AuthError } = await import("../../../src/core/errors.js");
    fixture.google.failWith = new AuthError("oauth_failed", `invalid_client ${CLIENT_SECRET}`, { detail: { reason: `bad ${CLIENT_SECRET}` } });
    const started = await start(fixture.auth, "google");
    const response = await call(fixture.auth, fixture.google.approve(started.location, profile("g-1", "ada@example.com")), { cookie: started.binding });
    const text = await response.text();
    expect(text).not.toContain(CLIENT_SECRET);
    expect(JSON.stringify(fixture.audit.events)).not.toContain(CLIENT_SECRET);
  });

  test("a provider whose authorization URL drops state, PKCE or nonce, or changes the redirect URI, is never followed", async () => {
    const cases: ((url: URL) => void)[] = [
      (url) => url.searchParams.delete("state"),
      (url) => url.searchParams.delete("code_challenge"),
      (url) => url.searchParams.set("code_challenge_method", "plain"),
      (url) => url.searchParams.delete("nonce"),
      (url) => url.searchParams.set("redirect_uri", "https://evil.test/cb"),
      (url) => url.searchParams.append("state", "second"),
      (url) => (url.protocol = "http:"),
    ];
    for (const mangleUrl of cases) {
      const broken = fakeProvider("broken", "oidc", { mangleUrl });
      const fixture = makeFixture({ providers: [broken] });
      const response = await call(fixture.auth, "/auth/oauth/broken/start");
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: "oauth_failed", reason: "provider_misconfigured" });
      expect(setCookie(response, BINDING)).toBeNull();
    }
  });
});
