/**
 * The gateway's 0.4 pages and form translations (src/gateway/auth-pages.ts, pages.ts, messages.ts) with
 * memory stores and the real plugins: provider links, the magic-link form (posted without
 * JavaScript, translated to the plugin's JSON API), `?error=<code>` on the sign-in page, the
 * dev inbox (loopback hosts only), the 202 of sign-up under requireVerifiedEmail, and the OAuth
 * binding cookie kept from the origin. Runs in Node and workerd. Real browsers, wrangler dev and a
 * real OpenID provider: test/e2e/browser.node.test.ts.
 */
import { describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { createAuth } from "../../src/create-auth.js";
import type { SettingsInput } from "../../src/core/settings.js";
import { pbkdf2Hasher } from "../../src/credentials/password/index.js";
import { emailVerification, magicLink } from "../../src/email-links/index.js";
import { devMailer, inboxPage, type DevMailer } from "../../src/mail/index.js";
import { oauth } from "../../src/oauth/index.js";
import type { OAuthProvider } from "../../src/ports/oauth-provider.js";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import { PAGE_CSP } from "../../src/gateway/pages.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const GW = "https://gw.example.test";
const HTML = { accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8" };
const FORM = { "content-type": "application/x-www-form-urlencoded", origin: GW, "sec-fetch-site": "same-origin" };

/** Builds authorization URLs like a real provider; never exchanges (these tests stop at the redirect). */
function fakeProvider(id: string): OAuthProvider {
  return {
    id,
    kind: "oauth2",
    async authorizationUrl(input) {
      const url = new URL(`https://idp.example/${id}/authorize`);
      url.searchParams.set("state", input.state);
      url.searchParams.set("code_challenge", input.codeChallenge);
      url.searchParams.set("code_challenge_method", "S256");
      url.searchParams.set("redirect_uri", input.redirectUri);
      return url;
    },
    async exchange() {
      throw new Error("not used here");
    },
  };
}

interface Setup {
  gateway: Gateway;
  mailer: DevMailer;
  seen: Request[];
}

function setup(options: { providers?: boolean; mail?: boolean; inbox?: boolean; settings?: SettingsInput } = {}): Setup {
  const mailer = devMailer({ console: false });
  const plugins = [];
  if (options.providers !== false) {
    plugins.push(oauth({ providers: [fakeProvider("acme"), fakeProvider("x-corp")], errorRedirect: "/auth/sign-in" }));
  }
  if (options.mail !== false) plugins.push(magicLink({ mailer, minResponseMs: 0 }), emailVerification({ mailer, minResponseMs: 0 }));
  const auth = createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) }), ...plugins], settings: { publicOrigin: GW, ...options.settings } });
  const seen: Request[] = [];
  const gateway = createGateway({
    auth,
    originUrl: "http://origin.internal",
    signIn: {
      providers:
        options.providers === false
          ? []
          : [
              { id: "acme", label: "Acme <SSO>" },
              { id: "x-corp", label: "X Corp" },
            ],
      magicLink: options.mail !== false,
    },
    ...(options.inbox === true ? { devInbox: () => inboxPage(mailer) } : {}),
    async fetchOrigin(request) {
      seen.push(request);
      return Response.json({ ok: true });
    },
  });
  return { gateway, mailer, seen };
}

async function signUp(gateway: Gateway, email: string): Promise<string> {
  const response = await gateway.fetch(
    new Request(`${GW}/auth/sign-up`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: "correct horse battery" }) }),
  );
  expect(response.status).toBe(201);
  return response.headers.getSetCookie()[0]!.split(";")[0]!;
}

function postForm(path: string, fields: Record<string, string>, headers: Record<string, string> = FORM, base = GW): Request {
  return new Request(`${base}${path}`, { method: "POST", headers, body: new URLSearchParams(fields).toString() });
}

describe("sign-in page: other ways in", () => {
  test("a link per provider, to its start route with the return path; label escaped; still no script and no off-site URL", async () => {
    const { gateway } = setup();
    const response = await gateway.fetch(new Request(`${GW}/auth/sign-in?return=${encodeURIComponent("/reports?y=2026")}`, { headers: HTML }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toBe(PAGE_CSP);
    const html = await response.text();
    expect(html).toContain('<a href="/auth/oauth/acme/start?return=%2Freports%3Fy%3D2026">Sign in with Acme &#60;SSO&#62;</a>');
    expect(html).toContain('<a href="/auth/oauth/x-corp/start?return=%2Freports%3Fy%3D2026">Sign in with X Corp</a>');
    expect(html).not.toMatch(/<script|src=|href="http/i);
  });

  test("the magic-link form: its own form (no required password), posting email + return to {base}/magic-link", async () => {
    const { gateway } = setup();
    const html = await (await gateway.fetch(new Request(`${GW}/auth/sign-in?return=%2Fx`))).text();
    const form = /<form class="magic"[\s\S]*?<\/form>/.exec(html)?.[0] ?? "";
    expect(form).toContain('method="post" action="/auth/magic-link"');
    expect(form).toContain('<input type="hidden" name="return" value="/x">');
    expect(form).toContain('name="email" type="email" autocomplete="email" required');
    expect(form).not.toContain('type="password"');
  });

  test("nothing configured: neither providers nor the magic-link form; the sign-up page never shows them", async () => {
    const plain = await (await setup({ providers: false, mail: false }).gateway.fetch(new Request(`${GW}/auth/sign-in`))).text();
    expect(plain).not.toContain("/oauth/");
    expect(plain).not.toContain("magic-link");
    const signUpPage = await (await setup().gateway.fetch(new Request(`${GW}/auth/sign-up`))).text();
    expect(signUpPage).not.toContain("/oauth/");
    expect(signUpPage).not.toContain("magic-link");
  });

  test("an evil return value is reduced before it reaches the provider links", async () => {
    const { gateway } = setup();
    const html = await (await gateway.fetch(new Request(`${GW}/auth/sign-in?return=${encodeURIComponent("//evil.test")}`))).text();
    expect(html).toContain('href="/auth/oauth/acme/start?return=%2F"');
  });

  test("a provider link starts the plugin's flow: 303 to the provider with the redirect URI built from the origin", async () => {
    const { gateway } = setup();
    const response = await gateway.fetch(new Request(`${GW}/auth/oauth/acme/start?return=%2Freports`, { headers: HTML }));
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location")!);
    expect(location.origin + location.pathname).toBe("https://idp.example/acme/authorize");
    expect(location.searchParams.get("redirect_uri")).toBe(`${GW}/auth/oauth/acme/callback`);
    expect(response.headers.getSetCookie()[0]).toMatch(/^__Host-portcullis-oauth=/);
  });

  test("a failed callback lands on the sign-in page, which explains the code", async () => {
    const { gateway } = setup();
    const callback = await gateway.fetch(new Request(`${GW}/auth/oauth/acme/callback?state=nope&code=x`, { headers: HTML }));
    expect(callback.status).toBe(303);
    expect(callback.headers.get("location")).toBe("/auth/sign-in?error=oauth_failed");
    const page = await (await gateway.fetch(new Request(`${GW}${callback.headers.get("location")}`, { headers: HTML }))).text();
    expect(page).toContain('role="alert">Signing in with that provider did not complete. Please try again.</div>');
  });
});

describe("?error=<code> on the sign-in page", () => {
  test.each([
    ["oauth_failed", "Signing in with that provider did not complete."],
    ["account_exists", "An account with this email address already exists."],
    ["email_not_verified", "Confirm your email address first"],
    ["invalid_token", "This link is invalid, already used or expired."],
    ["credential_taken", "already linked to another account"],
    ["storage_unavailable", "temporarily unavailable"],
  ])("%s -> friendly text", async (code, text) => {
    const html = await (await setup().gateway.fetch(new Request(`${GW}/auth/sign-in?error=${code}`))).text();
    expect(html).toMatch(new RegExp(`role="alert">[^<]*${text.replace(/[.?]/g, "\\$&")}`));
    expect(html).toContain('aria-invalid="true"');
  });

  test.each(["nope", "constructor", "__proto__", "<script>alert(1)</script>", "toString"])("unknown %j -> the generic text, the value never echoed", async (code) => {
    const html = await (await setup().gateway.fetch(new Request(`${GW}/auth/sign-in?error=${encodeURIComponent(code)}`))).text();
    expect(html).toContain('role="alert">Sign-in did not complete. Please try again.</div>');
    expect(html).not.toContain(code);
  });

  test("no or empty ?error=: no alert; the sign-up page ignores it", async () => {
    const { gateway } = setup();
    expect(await (await gateway.fetch(new Request(`${GW}/auth/sign-in?error=`))).text()).toContain('role="alert"></div>');
    expect(await (await gateway.fetch(new Request(`${GW}/auth/sign-up?error=oauth_failed`))).text()).toContain('role="alert"></div>');
  });
});

describe("the magic-link form, without JavaScript", () => {
  test("a known address: 200 'check your email' page; the plugin mailed a link that carries the return path", async () => {
    const { gateway, mailer } = setup();
    await signUp(gateway, "ada@example.test");
    mailer.clear();
    const response = await gateway.fetch(postForm("/auth/magic-link", { email: "ada@example.test", return: "/reports?y=1" }));
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
    const html = await response.text();
    expect(html).toContain("<h1>Check your email</h1>");
    expect(html).toContain('role="status">If ada@example.test can sign in here, a sign-in link is on its way.');
    expect(html).toContain('href="/auth/sign-in?return=%2Freports%3Fy%3D1"');
    expect(html).not.toContain("dev/inbox"); // not configured here
    const [message] = mailer.messages();
    expect(message).toMatchObject({ to: "ada@example.test", kind: "magic_link" });

    // The mailed link works through the gateway: GET shows the button, the form post signs in.
    const link = new URL(/https:\/\/\S+/.exec(message!.text)![0]);
    expect(link.pathname).toBe("/auth/magic-link");
    const confirm = await gateway.fetch(new Request(link.href, { headers: HTML }));
    expect(confirm.status).toBe(200);
    const signIn = await gateway.fetch(postForm("/auth/magic-link/verify", { token: link.searchParams.get("token")! }));
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get("location")).toBe("/reports?y=1");
    expect(signIn.headers.getSetCookie()[0]).toMatch(/^__Host-portcullis=/);
  });

  test("an unknown address gets the same page and no mail", async () => {
    const { gateway, mailer } = setup();
    const response = await gateway.fetch(postForm("/auth/magic-link", { email: "nobody@example.test", return: "/" }));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<h1>Check your email</h1>");
    expect(mailer.messages()).toEqual([]);
  });

  test("the posted return is reduced too", async () => {
    const { gateway, mailer } = setup();
    await signUp(gateway, "eve@example.test");
    mailer.clear();
    await gateway.fetch(postForm("/auth/magic-link", { email: "eve@example.test", return: "//evil.test" }));
    const token = new URL(/https:\/\/\S+/.exec(mailer.messages()[0]!.text)![0]).searchParams.get("token")!;
    const signIn = await gateway.fetch(postForm("/auth/magic-link/verify", { token }));
    expect(signIn.headers.get("location")).toBe("/");
  });

  test("an invalid address: the sign-in page again, the reason in the alert, the address kept", async () => {
    const { gateway } = setup();
    const response = await gateway.fetch(postForm("/auth/magic-link", { email: "not an email<", return: "/x" }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("<h1>Sign in</h1>");
    expect(html).toContain('role="alert">Enter a valid email address.</div>');
    expect(html).toContain('value="not an email&#60;"');
    expect(html).toContain('name="return" value="/x"');
  });

  test("a cross-site post is refused like the other forms (403, no mail)", async () => {
    const { gateway, mailer } = setup();
    await signUp(gateway, "ada@example.test");
    mailer.clear();
    const response = await gateway.fetch(postForm("/auth/magic-link", { email: "ada@example.test" }, { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.test" }));
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("sent from another site");
    expect(mailer.messages()).toEqual([]);
  });

  test("without a mailer the form route does not exist: the post reaches the API, which has no such route", async () => {
    const { gateway } = setup({ mail: false });
    const response = await gateway.fetch(postForm("/auth/magic-link", { email: "ada@example.test" }));
    expect(response.status).toBe(404);
  });
});

describe("the dev inbox", () => {
  test("served at {base}/dev/inbox to loopback hosts; linked from the 'check your email' page there", async () => {
    const { gateway } = setup({ inbox: true });
    await signUp(gateway, "ada@example.test");
    for (const host of ["http://localhost:8787", "http://127.0.0.1:8787", "http://[::1]:8787"]) {
      const response = await gateway.fetch(new Request(`${host}/auth/dev/inbox`, { headers: HTML }));
      expect(response.status, host).toBe(200);
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      expect(await response.text()).toContain("ada@example.test");
    }
    const head = await gateway.fetch(new Request("http://localhost:8787/auth/dev/inbox", { method: "HEAD" }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");

    const local = "http://localhost:8787";
    const sent = await gateway.fetch(postForm("/auth/magic-link", { email: "ada@example.test" }, { ...FORM, origin: local }, local));
    expect(await sent.text()).toContain('<a href="/auth/dev/inbox">Open the development inbox</a>');
  });

  test("never on another host, and never when not configured", async () => {
    const { gateway } = setup({ inbox: true });
    expect((await gateway.fetch(new Request(`${GW}/auth/dev/inbox`))).status).toBe(404);
    expect((await gateway.fetch(new Request("http://localhost.evil.test/auth/dev/inbox"))).status).toBe(404);
    expect((await setup().gateway.fetch(new Request("http://localhost:8787/auth/dev/inbox"))).status).toBe(404);
  });
});

describe("sign-up when a verified email is required", () => {
  test("the form's 202 becomes a 'check your email' page without a session, whether or not the address is taken", async () => {
    const { gateway, mailer } = setup({ settings: { requireVerifiedEmail: true } });
    for (const attempt of [1, 2]) {
      const response = await gateway.fetch(postForm("/auth/sign-up", { email: "ada@example.test", password: "correct horse battery", return: "/x" }));
      expect(response.status, `attempt ${attempt}`).toBe(200);
      expect(response.headers.getSetCookie()).toEqual([]);
      const html = await response.text();
      expect(html).toContain("<h1>Check your email</h1>");
      expect(html).toContain("We sent a message to ada@example.test with the next step.");
    }
    expect(mailer.messages().map((message) => message.kind)).toEqual(["verify_email", "sign_up_conflict"]);

    // Signing in before confirming: refused, and the page says what to do.
    const signIn = await gateway.fetch(postForm("/auth/sign-in", { email: "ada@example.test", password: "correct horse battery" }));
    expect(signIn.status).toBe(403);
    expect(await signIn.text()).toContain("Confirm your email address first");
  });
});

describe("cookies the origin never sees", () => {
  test("the OAuth binding cookie is removed like the session cookie; the application's own cookies pass", async () => {
    const { gateway, seen } = setup();
    const session = await signUp(gateway, "ada@example.test");
    const response = await gateway.fetch(
      new Request(`${GW}/app`, { headers: { accept: "application/json", cookie: `theme=dark; __Host-portcullis-oauth=abc; ${session}; portcullis-oauth=def; lang=en` } }),
    );
    expect(response.status).toBe(200);
    expect(seen.at(-1)!.headers.get("cookie")).toBe("theme=dark; lang=en");
  });
});
