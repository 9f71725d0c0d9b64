/**
 * The Next helper serves the built-in sign-in pages (0.4 redirected signed-out browsers to the
 * POST-only JSON route: a 405), and every redirect it answers is absolute: Next turns a relative
 * Location into a 500 and a same-host absolute one back into a relative one (measured on Next
 * 16.5, both runtimes). Runs in Node and workerd.
 */
import { describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { ConfigurationError } from "../../src/core/errors.js";
import { createAuth, type Auth } from "../../src/create-auth.js";
import { emailPassword, pbkdf2Hasher } from "../../src/credentials/password/index.js";
import { nextAuthMiddleware } from "../../src/runtimes/next.js";

// What Next's request.url looks like under `next start` behind a proxy: its own bind address.
const INTERNAL = "https://localhost:3100";
const PUBLIC = "https://app.example.com";
const HTML = { accept: "text/html,*/*;q=0.8" };

const password = emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }), minLength: 12 });

function makeAuth(): Auth {
  return createAuth({ stores: memoryStores(), plugins: [password] });
}

function form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Request {
  return new Request(`${INTERNAL}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: PUBLIC, "sec-fetch-site": "same-origin", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

describe("nextAuthMiddleware: the built-in pages", () => {
  test("a signed-out page load is sent to a sign-in page that exists (GET 200 HTML), not to a 405", async () => {
    const middleware = nextAuthMiddleware(makeAuth(), { forward: () => new Response(null), pages: { passwordMinLength: password.policy.minLength } });
    const redirect = (await middleware(new Request(`${INTERNAL}/dashboard?tab=1`, { headers: HTML })))!;
    expect(redirect.status).toBe(303);
    const location = redirect.headers.get("location")!;
    expect(location).toBe(`${INTERNAL}/auth/sign-in?return=%2Fdashboard%3Ftab%3D1`);
    const page = (await middleware(new Request(location, { headers: HTML })))!;
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('action="/auth/sign-in"');
    expect(html).toContain('value="/dashboard?tab=1"');
    const signUp = (await middleware(new Request(`${INTERNAL}/auth/sign-up`, { headers: HTML })))!;
    expect(await signUp.text()).toContain('minlength="12"');
  });

  test("sign-up by form through a proxy: accepted on the browser's same-origin word, 303 back with an absolute Location and the cookie", async () => {
    const middleware = nextAuthMiddleware(makeAuth(), { forward: () => new Response(null) });
    const response = (await middleware(form("/auth/sign-up", { email: "ada@example.com", password: "correct horse battery", name: "Ada", return: "/dashboard" })))!;
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`${INTERNAL}/dashboard`);
    expect(response.headers.getSetCookie()[0]).toMatch(/^__Host-portcullis=/);
  });

  test("a cross-site form post is refused (403 page), no cookie", async () => {
    const middleware = nextAuthMiddleware(makeAuth());
    const response = (await middleware(form("/auth/sign-up", { email: "eve@example.com", password: "correct horse battery" }, { origin: "https://evil.test", "sec-fetch-site": "cross-site" })))!;
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("sent from another site");
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  test("sign-out by form ends on the sign-in page, absolute", async () => {
    const auth = makeAuth();
    const middleware = nextAuthMiddleware(auth);
    const signedUp = (await middleware(form("/auth/sign-up", { email: "ada@example.com", password: "correct horse battery" })))!;
    const cookie = signedUp.headers.getSetCookie()[0]!.split(";")[0]!;
    const out = (await middleware(form("/auth/sign-out", {}, { cookie })))!;
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe(`${INTERNAL}/auth/sign-in`);
    expect(out.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
  });

  test("JSON endpoints still answer JSON; redirects from plugins' routes are made absolute too", async () => {
    const middleware = nextAuthMiddleware(makeAuth());
    const json = (await middleware(new Request(`${INTERNAL}/auth/session`)))!;
    expect(json.status).toBe(401);
    expect(json.headers.get("content-type")).toMatch(/json/);
  });

  test("pages: false needs a signInPath of one's own; with one, that path is where browsers go", async () => {
    expect(() => nextAuthMiddleware(makeAuth(), { pages: false })).toThrow(ConfigurationError);
    const middleware = nextAuthMiddleware(makeAuth(), { pages: false, signInPath: "/login" });
    const redirect = (await middleware(new Request(`${INTERNAL}/dashboard`, { headers: HTML })))!;
    expect(redirect.headers.get("location")).toBe(`${INTERNAL}/login?return=%2Fdashboard`);
    // The built-in page is off: GET {base}/sign-in is the JSON route's 405 again.
    expect((await middleware(new Request(`${INTERNAL}/auth/sign-in`, { headers: HTML })))!.status).toBe(405);
  });
});
