/**
 * The confirm pages clicked through in a real browser (Debian's Chromium, test/helpers/browser.ts),
 * served by `auth.handle` over node:http on http://localhost. Guards what unit tests cannot see:
 * the button's POST must pass core's CSRF check (under `Referrer-Policy: no-referrer`
 * Chromium sends `Origin: null` with `Sec-Fetch-Site: same-origin`), the
 * 303 lands on the return path with the cookie, and no request carries the token in `Referer`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { createAuth, type Auth } from "../../src/create-auth.js";
import { emailVerification } from "../../src/email-links/email-verification.js";
import { magicLink } from "../../src/email-links/magic-link.js";
import { devMailer } from "../../src/mail/dev-mailer.js";
import { chromiumAvailable, launchChromium } from "../helpers/browser.js";
import { fastHasher } from "../helpers/harness.js";
import { lastMail, tokenOf } from "./fixture.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const available = chromiumAvailable();

describe.skipIf(!available)("email links in Chromium", () => {
  let server: Server;
  let browser: Browser;
  let site = "";
  let auth: Auth;
  const mail = devMailer({ console: false });
  const stores = memoryStores();
  const seen: { method: string; path: string; origin: string | undefined; site: string | undefined; referer: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => void serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    site = `http://localhost:${(server.address() as AddressInfo).port}`;
    const plugins = [magicLink({ mailer: mail, minResponseMs: 0 }), emailVerification({ mailer: mail, minResponseMs: 0 })];
    auth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), ...plugins], settings: { publicOrigin: site } });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
    }
    const method = req.method ?? "GET";
    const request = new Request(`${site}${req.url}`, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks) });
    const path = new URL(request.url).pathname;
    seen.push({ method, path, origin: req.headers.origin, site: req.headers["sec-fetch-site"] as string | undefined, referer: req.headers.referer });
    let response: Response;
    if (path.startsWith("/auth/")) {
      response = await auth.handle(request);
    } else {
      // The "application": who is signed in, as the read path sees it.
      const result = await auth.authenticate(request);
      const who = result.authenticated && result.principal.type === "user" ? result.principal.email : "anonymous";
      response = new Response(`<!doctype html><title>app</title><h1 id="who">${who}</h1>`, { headers: { "content-type": "text/html" } });
    }
    const out: string[] = [];
    response.headers.forEach((value, name) => name !== "set-cookie" && out.push(name, value));
    for (const cookie of response.headers.getSetCookie()) out.push("set-cookie", cookie);
    res.writeHead(response.status, out);
    res.end(Buffer.from(await response.arrayBuffer()));
  }

  test("magic link: open the mailed link, press the button, land on the return path signed in", async () => {
    await auth.handle(new Request(`${site}/auth/sign-up`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "ada@example.com", password: "correct horse battery" }) }));
    await auth.handle(new Request(`${site}/auth/magic-link`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "ada@example.com", return: "/welcome?tour=1" }) }));
    const token = tokenOf(lastMail(mail, "magic_link", "ada@example.com"));
    const context = await browser.newContext();
    const page = await context.newPage();
    seen.length = 0;
    await page.goto(`${site}/auth/magic-link?token=${token}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${site}/welcome?tour=1`);
    expect(await page.locator("#who").textContent()).toBe("ada@example.com");
    const post = seen.find((r) => r.method === "POST" && r.path === "/auth/magic-link/verify")!;
    // no-referrer hides our own origin too; the browser's Fetch Metadata vouches for it instead.
    expect(post.origin).toBe("null");
    expect(post.site).toBe("same-origin");
    for (const request of seen) expect(request.referer ?? "").not.toContain(token);
    await context.close();
  }, 60_000);

  test("verification link: press the button, the address is verified", async () => {
    await auth.handle(new Request(`${site}/auth/sign-up`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "bob@example.com", password: "correct horse battery" }) }));
    const token = tokenOf(lastMail(mail, "verify_email", "bob@example.com"));
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site}/auth/verify-email?token=${token}`);
    await page.getByRole("button", { name: "Verify email address" }).click();
    await page.waitForURL(`${site}/`);
    expect((await stores.users.findByEmail("bob@example.com"))!.emailVerified).toBe(true);
    await context.close();
  }, 60_000);
});
