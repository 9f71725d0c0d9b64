import { describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { faulty } from "../../src/adapters/faulty.js";
import { createAuth } from "../../src/create-auth.js";
import { ConfigurationError } from "../../src/core/errors.js";
import { emailVerification } from "../../src/email-links/email-verification.js";
import { magicLink } from "../../src/email-links/magic-link.js";
import { devMailer } from "../../src/mail/dev-mailer.js";
import type { SingleUseStore } from "../../src/ports/single-use-store.js";
import { errorCode, fastHasher, signUp } from "../helpers/harness.js";
import { askForLink, failingMailer, formPost, jsonPost, lastMail, ORIGIN, selectiveSink, setup, snapshot, tokenOf } from "./fixture.js";
import { emailPassword } from "../../src/credentials/password/index.js";
import type { SettingsInput } from "../../src/core/settings.js";
import type { Plugin } from "../../src/core/plugins.js";

const ADA = "ada@example.com";
const mailer = devMailer({ console: false });

describe("start-up checks", () => {
  test("an eventually consistent single-use store is refused by createAuth, naming the plugin and the store", () => {
    const stores = memoryStores();
    const eventual: SingleUseStore = { ...stores.singleUse, consistency: "eventual" };
    for (const [plugin, id] of [
      [magicLink({ mailer }), "magic-link"],
      [emailVerification({ mailer }), "email-verification"],
    ] as const) {
      const settings = { publicOrigin: ORIGIN };
      const start = () => createAuth({ stores: { ...stores, singleUse: eventual }, plugins: [emailPassword({ hasher: fastHasher() }), plugin], settings });
      expect(start).toThrow(ConfigurationError);
      expect(start).toThrow(`plugin "${id}" requires an atomic singleUse store, but the configured one is eventual`);
      expect(() => createAuth({ stores: { ...stores, singleUse: undefined }, plugins: [emailPassword({ hasher: fastHasher() }), plugin], settings })).toThrow(/requires the singleUse store/);
      expect(() => createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), plugin], settings })).not.toThrow();
    }
  });

  test("bad options are a ConfigurationError when the plugin is built", () => {
    const bad: [string, () => unknown][] = [
      ["no mailer", () => magicLink({ mailer: undefined as never })],
      ["ttl below 60", () => magicLink({ mailer, ttlSeconds: 59 })],
      ["ttl above a day", () => emailVerification({ mailer, ttlSeconds: 86_401 })],
      ["fractional ttl", () => magicLink({ mailer, ttlSeconds: 600.5 })],
      ["negative floor", () => magicLink({ mailer, minResponseMs: -1 })],
      ["multi-line app name", () => magicLink({ mailer, appName: "Acme\r\nBcc: x" })],
      // 0.4's option: refused with a pointer rather than silently ignored.
      ["an origin option (moved to settings.publicOrigin)", () => magicLink({ mailer, origin: ORIGIN } as never)],
      ["an origin option on emailVerification", () => emailVerification({ mailer, origin: ORIGIN } as never)],
    ];
    for (const [name, build] of bad) expect(build, name).toThrow(ConfigurationError);
    expect(() => magicLink({ mailer, origin: ORIGIN } as never)).toThrow(/moved to settings.publicOrigin/);
    expect(() => magicLink({ mailer, ttlSeconds: 60 })).not.toThrow();
    expect(() => emailVerification({ mailer, ttlSeconds: 86_400 })).not.toThrow();
  });

  test("links are built on settings.publicOrigin: required, https (http on loopback only), checked when createAuth starts", () => {
    const start = (plugin: Plugin<any>, settings: SettingsInput) => () => createAuth({ stores: memoryStores(), plugins: [plugin], settings });
    for (const plugin of [magicLink({ mailer }), emailVerification({ mailer })]) {
      expect(start(plugin, {})).toThrow(/needs settings.publicOrigin/);
      for (const publicOrigin of ["https://app.example/auth", "https://u:p@app.example", "http://app.example", "app.example"]) {
        expect(start(plugin, { publicOrigin }), publicOrigin).toThrow(ConfigurationError);
      }
      // Plain http off loopback is refused for links even where the cookie settings would allow it.
      expect(start(plugin, { publicOrigin: "http://app.example", cookie: { secure: false, name: "sid" } })).toThrow(/https/);
      expect(start(plugin, { publicOrigin: "http://localhost:8787" })).not.toThrow();
      expect(start(plugin, { publicOrigin: ORIGIN })).not.toThrow();
    }
    expect(start(emailVerification({ mailer, signInUrl: "https://evil.test/" }), { publicOrigin: ORIGIN })).toThrow(/signInUrl/);
  });
});

describe("a failing single-use store fails closed (503), alike for every address", () => {
  test("asking for a link", async () => {
    const env = setup({ verification: false, stores: (base) => ({ singleUse: faulty(base.singleUse, { mode: "throw" }) }) });
    await signUp(env.auth, ADA);
    const known = await snapshot(await askForLink(env.auth, ADA));
    const unknown = await snapshot(await askForLink(env.auth, "nobody@example.com"));
    expect(known.status).toBe(503);
    expect(JSON.parse(known.body)).toMatchObject({ error: { code: "storage_unavailable" } });
    expect(known.headers).toContainEqual(["retry-after", "5"]);
    expect(unknown).toEqual(known);
    expect(env.mail.messages().filter((m) => m.kind === "magic_link")).toEqual([]);
  });

  test("redeeming a link: 503 JSON, or a 503 page for the form; audited as storage_unavailable", async () => {
    let broken = false;
    const env = setup({
      verification: false,
      stores: (base) => ({ singleUse: new Proxy(base.singleUse, { get: (t, p) => (p === "consume" && broken ? faulty(t, { mode: "throw" }).consume : Reflect.get(t, p)) }) }),
    });
    await signUp(env.auth, ADA);
    await askForLink(env.auth, ADA);
    const token = tokenOf(lastMail(env.mail, "magic_link", ADA));
    broken = true;
    const response = await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }));
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe("storage_unavailable");
    const page = await env.auth.handle(formPost("/auth/magic-link/verify", token));
    expect(page.status).toBe(503);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("retry-after")).toBe("5");
    expect(env.base.audit.events.at(-1)).toMatchObject({ type: "sign_in", outcome: "failure", reason: "storage_unavailable" });
    broken = false;
    expect((await env.auth.handle(jsonPost("/auth/magic-link/verify", { token }))).status).toBe(200); // nothing was consumed
  });

  test("a failing user store is a 503 too, never a 202 that hides it", async () => {
    const env = setup({ verification: false, stores: (base) => ({ users: faulty(base.users, { mode: "throw", methods: ["findByEmail"] }) }) });
    const response = await askForLink(env.auth, ADA);
    expect(response.status).toBe(503);
  });
});

describe("a failing mailer on POST /magic-link", () => {
  test("without sign-up: 202 for every address (a 503 would say the address has an account), audited mail_failed", async () => {
    const broken = failingMailer();
    const env = setup({ verification: false, mailer: broken });
    await signUp(env.auth, ADA);
    const known = await snapshot(await askForLink(env.auth, ADA));
    const unknown = await snapshot(await askForLink(env.auth, "nobody@example.com"));
    expect(known).toMatchObject({ status: 202, body: '{"sent":true}' });
    expect(unknown).toEqual(known);
    expect(broken.attempts.map((m) => m.to)).toEqual([ADA]);
    const trail = env.base.audit.events.filter((e) => e.type === "magic_link.requested").map((e) => `${e.outcome}:${e.reason}`);
    expect(trail).toEqual(["success:issued", "failure:mail_failed", "success:unknown_email"]);
  });

  test("with sign-up: every address is mailed, so 503 'try again' for all of them reveals nothing", async () => {
    const env = setup({ verification: false, mailer: failingMailer(), magic: { allowSignUp: true } });
    await signUp(env.auth, ADA);
    const known = await snapshot(await askForLink(env.auth, ADA));
    expect(known.status).toBe(503);
    expect(JSON.parse(known.body)).toEqual({ error: { code: "storage_unavailable", message: "the email could not be sent; try again" } });
    expect(await snapshot(await askForLink(env.auth, "nobody@example.com"))).toEqual(known);
  });
});

describe("a failing audit sink", () => {
  test("no link is mailed that the trail does not know of: 503 for every address", async () => {
    const env = setup({ verification: false, stores: (base) => ({ audit: selectiveSink(base.audit, (e) => e.type === "magic_link.requested") }) });
    await signUp(env.auth, ADA);
    const known = await snapshot(await askForLink(env.auth, ADA));
    expect(known.status).toBe(503);
    expect(JSON.parse(known.body)).toMatchObject({ error: { code: "audit_unavailable" } });
    expect(await snapshot(await askForLink(env.auth, "nobody@example.com"))).toEqual(known);
    expect(env.mail.messages().filter((m) => m.kind === "magic_link")).toEqual([]);
  });

  test("verification mail on sign-up is not sent when its issuance cannot be audited; sign-up still succeeds", async () => {
    const env = setup({ magic: false, stores: (base) => ({ audit: selectiveSink(base.audit, (e) => e.type === "email_verification.requested") }) });
    await signUp(env.auth, ADA);
    expect(env.mail.messages()).toEqual([]);
  });
});
