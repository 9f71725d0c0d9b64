/**
 * The 0.4 ways in, clicked through by a real browser (Debian's Chromium via playwright-core,
 * test/helpers/browser.ts) against the real gateway (`wrangler dev`, local D1, ./local-stack.ts)
 * and a real OpenID provider (panva's oidc-provider on 127.0.0.1, test/helpers/oidc-server.ts):
 *
 *   - OIDC: protected page -> sign-in page -> "Sign in with <provider>" -> the provider's login
 *     and consent pages -> the callback -> the page first asked for, with the provider's identity
 *   - the provider refusing, and an address that belongs to a password account: the sign-in
 *     page explains (`?error=<code>` from the OAuth plugin's error redirect)
 *   - magic link through the dev inbox (DEV_INBOX, as under `npm start`)
 *   - open-redirect safety of `return` through every entry point that takes one: the browser
 *     always ends on the gateway's own origin
 *
 * The gateway is configured only through vars, exactly as a deployment would be: PUBLIC_ORIGIN,
 * OIDC_PROVIDERS and the provider's OAUTH_<ID>_CLIENT_SECRET, DEV_INBOX. The browser uses
 * http://localhost:<port> (PUBLIC_ORIGIN), like a developer after `npm start`.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumAvailable, launchChromium } from "../helpers/browser.js";
import { startOidcServer, type OidcTestServer } from "../helpers/oidc-server.js";
import { freePort, startLocalStack, type LocalStack } from "./local-stack.js";

const PROVIDER_ID = "test-idp";
const PROVIDER_LABEL = "Test IdP";
const CLIENT_ID = "portcullis-e2e";
const CLIENT_SECRET = "e2e-client-secret-not-a-real-one";
const PASSWORD = "correct horse battery staple";

/** Every value the return parameter must not turn into a redirect off the gateway. */
const EVIL_RETURNS = ["//evil.test", "/\\evil.test", "https:evil.test", "/%2F%2Fevil.test", "https://user@evil.test", "/%5Cevil.test"];

// Throws under CI=true when Chromium is missing (the suite must run there); skips locally.
const browserAvailable = chromiumAvailable();

describe.skipIf(!browserAvailable)("the gateway in a real browser (Chromium)", () => {
  let op: OidcTestServer;
  let stack: LocalStack;
  let browser: Browser;
  /** http://localhost:<port>: PUBLIC_ORIGIN, what the browser opens. */
  let site = "";
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const gatewayPort = await freePort();
    site = `http://localhost:${gatewayPort}`;
    op = await startOidcServer({
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${site}/auth/oauth/${PROVIDER_ID}/callback`] }],
      accounts: [
        { sub: "alice", email: "alice@example.test", email_verified: true, name: "Alice Liddell" },
        { sub: "bob", email: "bob@example.test", email_verified: true, name: "Bob" },
      ],
    });
    stack = await startLocalStack({
      gatewayPort,
      vars: {
        PUBLIC_ORIGIN: site,
        DEV_INBOX: "true",
        OIDC_PROVIDERS: JSON.stringify([{ id: PROVIDER_ID, issuer: op.issuer, clientId: CLIENT_ID, name: PROVIDER_LABEL }]),
        // A secret in a deployment (`wrangler secret put`); a var is the same binding to the Worker.
        OAUTH_TEST_IDP_CLIENT_SECRET: CLIENT_SECRET,
      },
    });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close().catch(() => undefined)));
    await browser?.close();
    await stack?.close();
    await op?.close();
  }, 20_000);

  /** A fresh browser profile (its own cookies), whose every request host is recorded. */
  async function freshPage(): Promise<{ page: Page; hosts: Set<string> }> {
    const context = await browser.newContext();
    contexts.push(context);
    const hosts = new Set<string>();
    context.on("request", (request) => {
      hosts.add(new URL(request.url()).hostname);
    });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return { page, hosts };
  }

  /** A row of the demo origin's identity table (worker/demo-origin.mjs). */
  async function identity(page: Page, header: string): Promise<string | null> {
    const row = page.locator("tr", { has: page.locator("th code", { hasText: new RegExp(`^${header}$`) }) });
    return (await row.count()) === 0 ? null : row.locator("td").textContent();
  }

  /** The provider's own pages, as a person fills them in. */
  async function loginAtProvider(page: Page, account: string, decision: "allow" | "deny" = "allow"): Promise<void> {
    await page.waitForURL((url) => url.origin === op.issuer && url.pathname.startsWith("/interaction/"));
    if (decision === "deny") {
      await page.click("#deny");
      return;
    }
    await page.fill("#login", account);
    await page.click("#submit");
    await page.waitForSelector("#consent-form");
    await page.click("#continue");
  }

  async function passwordAccount(email: string): Promise<void> {
    const response = await fetch(`${stack.gateway}/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(response.status, await response.text()).toBe(201);
  }

  /** The sign-in link last mailed to `email`, followed from the dev inbox page, then confirmed. */
  async function redeemLatestLink(page: Page, email: string): Promise<void> {
    await page.goto(`${site}/auth/dev/inbox`);
    // Newest first; sign-up also mailed an address confirmation (verify_email) to the same address.
    const message = page.locator("article").filter({ hasText: email }).filter({ hasText: "magic_link" }).first();
    await message.getByRole("link").click();
    await page.waitForURL((url) => url.pathname === "/auth/magic-link");
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  test("OIDC: protected page -> sign-in page -> provider login + consent -> back on that page with the provider's identity", async () => {
    const { page } = await freshPage();
    await page.goto(`${site}/reports?year=2026`);
    expect(page.url()).toBe(`${site}/auth/sign-in?return=%2Freports%3Fyear%3D2026`);

    await page.getByRole("link", { name: `Sign in with ${PROVIDER_LABEL}` }).click();
    await loginAtProvider(page, "alice");

    await page.waitForURL(`${site}/reports?year=2026`);
    expect(await page.locator("h1").textContent()).toBe("Demo origin");
    expect(await identity(page, "x-portcullis-email")).toBe("alice@example.test");
    expect(await identity(page, "x-portcullis-email-verified")).toBe("true");
    expect(await identity(page, "x-portcullis-auth-methods")).toBe("fed");
    expect(await page.getByText("Hello, Alice Liddell.").count()).toBe(1);
    // Neither the session cookie nor the OAuth binding cookie reaches the application.
    const cookies = await page.locator("li", { hasText: "Cookie names" }).textContent();
    expect(cookies).not.toContain("portcullis");

    // The session is a normal one: the next protected page needs no provider round trip.
    await page.goto(`${site}/other`);
    expect(await identity(page, "x-portcullis-email")).toBe("alice@example.test");
  }, 60_000);

  test("the person cancels at the provider -> the sign-in page says it did not complete", async () => {
    const { page } = await freshPage();
    await page.goto(`${site}/auth/sign-in?return=%2Fsecret`);
    await page.getByRole("link", { name: `Sign in with ${PROVIDER_LABEL}` }).click();
    await loginAtProvider(page, "alice", "deny");
    await page.waitForURL(`${site}/auth/sign-in?error=oauth_failed`);
    expect(await page.getByRole("alert").textContent()).toBe("Signing in with that provider did not complete. Please try again.");
  }, 60_000);

  test("the provider's address belongs to a password account (unverified) -> no sign-in, the page says how to link", async () => {
    await passwordAccount("bob@example.test");
    const { page } = await freshPage();
    await page.goto(`${site}/auth/sign-in`);
    await page.getByRole("link", { name: `Sign in with ${PROVIDER_LABEL}` }).click();
    await loginAtProvider(page, "bob");
    await page.waitForURL(`${site}/auth/sign-in?error=account_exists`);
    expect(await page.getByRole("alert").textContent()).toContain("An account with this email address already exists.");
    await page.goto(`${site}/`);
    expect(new URL(page.url()).pathname).toBe("/auth/sign-in"); // still signed out
  }, 60_000);

  test("an unknown ?error= code shows the generic text, never the value", async () => {
    const { page } = await freshPage();
    await page.goto(`${site}/auth/sign-in?error=${encodeURIComponent("<b>pwned</b>")}`);
    expect(await page.getByRole("alert").textContent()).toBe("Sign-in did not complete. Please try again.");
    expect(await page.content()).not.toContain("pwned");
  }, 30_000);

  test("magic link: request on the sign-in page -> dev inbox -> link -> confirm -> signed in where the visitor was going", async () => {
    await passwordAccount("carol@example.test");
    const { page } = await freshPage();
    await page.goto(`${site}/welcome?tour=1`);
    expect(new URL(page.url()).pathname).toBe("/auth/sign-in");

    await page.fill("#magic-email", "carol@example.test");
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    expect(await page.locator("h1").textContent()).toBe("Check your email");
    await page.getByRole("link", { name: "Open the development inbox" }).click();
    await page.waitForURL(`${site}/auth/dev/inbox`);

    const message = page.locator("article").filter({ hasText: "carol@example.test" }).filter({ hasText: "magic_link" }).first();
    const href = await message.getByRole("link").getAttribute("href");
    expect(href).toMatch(new RegExp(`^${site}/auth/magic-link\\?token=[A-Za-z0-9_-]+$`));
    await message.getByRole("link").click();
    // GET shows a button and redeems nothing (mail scanners prefetch links); the button does.
    await page.getByRole("button", { name: "Sign in" }).click();

    await page.waitForURL(`${site}/welcome?tour=1`);
    expect(await identity(page, "x-portcullis-email")).toBe("carol@example.test");
    expect(await identity(page, "x-portcullis-auth-methods")).toBe("email");
    // Redeeming the link proved the inbox: the address is verified now.
    expect(await identity(page, "x-portcullis-email-verified")).toBe("true");

    // The link works once.
    await page.goto(href!);
    await page.getByRole("button", { name: "Sign in" }).click();
    expect(await page.locator("h1").textContent()).toBe("Link not valid");
  }, 60_000);

  describe("open redirects: whatever `return` says, the browser ends on the gateway", () => {
    let oauthPage: Page;
    let oauthHosts: Set<string>;

    beforeAll(async () => {
      await passwordAccount("dave@example.test");
      // Signed in at the provider once (login + consent); later flows pass straight through it.
      ({ page: oauthPage, hosts: oauthHosts } = await freshPage());
      await oauthPage.goto(`${site}/auth/oauth/${PROVIDER_ID}/start?return=%2F`);
      await loginAtProvider(oauthPage, "alice");
      await oauthPage.waitForURL(`${site}/`);
    }, 60_000);

    function expectHome(page: Page, hosts: Set<string>, value: string): void {
      const url = new URL(page.url());
      expect(url.origin, value).toBe(site);
      expect(url.pathname, value).toBe("/");
      expect([...hosts].filter((host) => host.includes("evil")), value).toEqual([]);
    }

    test.each(EVIL_RETURNS)("OAuth start ?return=%s (encoded and raw) -> provider -> callback -> /", async (value) => {
      for (const query of [encodeURIComponent(value), value]) {
        await oauthPage.goto(`${site}/auth/oauth/${PROVIDER_ID}/start?return=${query}`);
        await oauthPage.waitForURL((url) => url.origin === site && !url.pathname.startsWith("/auth/oauth/"));
        expectHome(oauthPage, oauthHosts, value);
        expect(await identity(oauthPage, "x-portcullis-email"), value).toBe("alice@example.test");
      }
    }, 60_000);

    test.each(EVIL_RETURNS)("password form: the page's ?return=%s, and the same value forced into the posted field -> /", async (value) => {
      for (const forceField of [false, true]) {
        const { page, hosts } = await freshPage();
        await page.goto(`${site}/auth/sign-in?return=${encodeURIComponent(value)}`);
        const form = page.locator('form[action="/auth/sign-in"]');
        // The page already reduced it to "/"; the POST side must hold on its own too.
        if (forceField) await form.locator('input[name="return"]').evaluate((input, v) => ((input as HTMLInputElement).value = v), value);
        await form.locator("#email").fill("dave@example.test");
        await form.locator("#password").fill(PASSWORD);
        await form.getByRole("button", { name: "Sign in" }).click();
        await page.waitForURL((url) => url.pathname !== "/auth/sign-in");
        expectHome(page, hosts, value);
        expect(await identity(page, "x-portcullis-email"), value).toBe("dave@example.test");
      }
    }, 60_000);

    test.each(EVIL_RETURNS)("magic link requested with return=%s -> inbox -> confirm -> /", async (value) => {
      const { page, hosts } = await freshPage();
      await page.goto(`${site}/auth/sign-in`);
      const form = page.locator('form[action="/auth/magic-link"]');
      await form.locator('input[name="return"]').evaluate((input, v) => ((input as HTMLInputElement).value = v), value);
      await form.locator("#magic-email").fill("dave@example.test");
      await form.getByRole("button", { name: "Email me a sign-in link" }).click();
      expect(await page.locator("h1").textContent()).toBe("Check your email");
      await redeemLatestLink(page, "dave@example.test");
      await page.waitForURL((url) => url.pathname !== "/auth/magic-link/verify" && url.pathname !== "/auth/magic-link");
      expectHome(page, hosts, value);
      expect(await identity(page, "x-portcullis-email"), value).toBe("dave@example.test");
    }, 60_000);
  });
});
