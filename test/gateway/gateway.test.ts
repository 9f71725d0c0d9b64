/**
 * The gateway's request handling (src/gateway/gateway.ts) with memory stores, a fast hasher and a
 * fake origin. Runs in Node and workerd. The real Worker (D1 + Argon2 WASM under wrangler dev)
 * is covered by test/e2e/gateway.node.test.ts.
 */
import { describe, expect, test } from "vitest";
import { faulty } from "../../src/adapters/faulty.js";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { createAuth } from "../../src/create-auth.js";
import { ConfigurationError } from "../../src/core/errors.js";
import type { Stores } from "../../src/core/plugins.js";
import { pbkdf2Hasher } from "../../src/credentials/password/index.js";
import { gatewayConfig, type GatewayEnv } from "../../src/runtimes/worker/config.js";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import { PAGE_CSP } from "../../src/gateway/pages.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const GW = "https://gw.example.test";
const ORIGIN = "http://origin.internal";
const COOKIE = "__Host-portcullis";
const HTML = { accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8" };
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const SAME_SITE = { origin: GW, "sec-fetch-site": "same-origin" };

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: string;
  cache: string;
}

function setup(options: { stores?: Stores; origin?: (request: Request) => Promise<Response> } = {}): { gateway: Gateway; seen: Seen[] } {
  const seen: Seen[] = [];
  const auth = createAuth({ stores: options.stores ?? memoryStores(), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
  const gateway = createGateway({
    auth,
    originUrl: ORIGIN,
    publicPaths: ["/favicon.ico", "/public/*"],
    async fetchOrigin(request) {
      seen.push({ url: request.url, method: request.method, headers: request.headers, body: await request.text(), cache: request.cache });
      if (options.origin !== undefined) return options.origin(request);
      return Response.json({ ok: true });
    },
  });
  return { gateway, seen };
}

function sessionCookie(response: Response): string {
  const set = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${COOKIE}=`));
  expect(set).toBeDefined();
  return set!.split(";")[0]!;
}

let counter = 0;
async function signUp(gateway: Gateway, transport: "cookie" | "bearer" = "cookie"): Promise<{ cookie: string; token: string; email: string }> {
  const email = `user${++counter}@example.test`;
  const response = await gateway.fetch(
    new Request(`${GW}/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse battery", name: "Ada", transport }),
    }),
  );
  expect(response.status).toBe(201);
  if (transport === "bearer") {
    const body = (await response.json()) as { token: string };
    return { cookie: "", token: body.token, email };
  }
  return { cookie: sessionCookie(response), token: "", email };
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

describe("anonymous", () => {
  test("browser navigation -> 303 to the sign-in page with return", async () => {
    const { gateway, seen } = setup();
    const response = await gateway.fetch(new Request(`${GW}/reports?year=2026`, { headers: HTML }));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/auth/sign-in?return=%2Freports%3Fyear%3D2026");
    expect(seen).toHaveLength(0);
  });

  test("API call -> 401 JSON, origin not contacted", async () => {
    const { gateway, seen } = setup();
    const response = await gateway.fetch(new Request(`${GW}/api/data`, { headers: { accept: "application/json" } }));
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
    expect(seen).toHaveLength(0);
  });

  test("a garbage token is anonymous, not an error", async () => {
    const { gateway } = setup();
    const response = await gateway.fetch(new Request(`${GW}/api`, { headers: { cookie: `${COOKIE}=nope` } }));
    expect(response.status).toBe(401);
  });
});

describe("HTML pages", () => {
  test("sign-in page: accessible form, strict CSP, validated return", async () => {
    const { gateway } = setup();
    const response = await gateway.fetch(new Request(`${GW}/auth/sign-in?return=${encodeURIComponent("/reports?x=1")}`, { headers: HTML }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBe(PAGE_CSP);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const html = await response.text();
    expect(html).toContain('<label for="email">');
    expect(html).toContain('<label for="password">');
    expect(html).toContain('autocomplete="email"');
    expect(html).toContain('autocomplete="current-password"');
    expect(html).toContain('role="alert"');
    expect(html).toContain('name="return" value="/reports?x=1"');
    expect(html).toContain('action="/auth/sign-in"');
    expect(html).not.toMatch(/<script|src=|href="http/i);
  });

  test("sign-up page asks for a new password", async () => {
    const { gateway } = setup();
    const html = await (await gateway.fetch(new Request(`${GW}/auth/sign-up`))).text();
    expect(html).toContain('autocomplete="new-password"');
    expect(html).toContain('minlength="8"');
    expect(html).toContain('autocomplete="name"');
  });

  test.each(["//evil.test", "https://evil.test", "/\\evil.test", "/%2F%2Fevil.test"])("return=%s becomes /", async (value) => {
    const { gateway } = setup();
    const html = await (await gateway.fetch(new Request(`${GW}/auth/sign-in?return=${encodeURIComponent(value)}`))).text();
    expect(html).toContain('name="return" value="/"');
  });

  test("an injected return value is escaped, never markup", async () => {
    const { gateway } = setup();
    const html = await (await gateway.fetch(new Request(`${GW}/auth/sign-in?return=${encodeURIComponent('/x"><script>alert(1)</script>')}`))).text();
    expect(html).not.toContain("<script>");
  });

  test("HEAD gets headers only", async () => {
    const { gateway } = setup();
    const response = await gateway.fetch(new Request(`${GW}/auth/sign-in`, { method: "HEAD" }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });
});

describe("form posts", () => {
  test("sign-up form -> 303 to the return path with the session cookie", async () => {
    const { gateway } = setup();
    const response = await gateway.fetch(
      new Request(`${GW}/auth/sign-up`, {
        method: "POST",
        headers: { ...FORM, ...SAME_SITE },
        body: form({ email: "form@example.test", password: "correct horse battery", name: "Form User", return: "/welcome?tour=1" }),
      }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/welcome?tour=1");
    const set = response.headers.getSetCookie()[0]!;
    expect(set).toMatch(/^__Host-portcullis=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/);
  });

  test("a hostile return in the form lands on /", async () => {
    const { gateway } = setup();
    const response = await gateway.fetch(
      new Request(`${GW}/auth/sign-up`, {
        method: "POST",
        headers: { ...FORM, ...SAME_SITE },
        body: form({ email: "hostile@example.test", password: "correct horse battery", return: "//evil.test/phish" }),
      }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
  });

  test("sign-in form with the wrong password -> 401 form again, email kept and escaped, password not echoed", async () => {
    const { gateway } = setup();
    const { email } = await signUp(gateway);
    const response = await gateway.fetch(
      new Request(`${GW}/auth/sign-in`, {
        method: "POST",
        headers: { ...FORM, ...SAME_SITE },
        body: form({ email, password: "wrong password here", return: "/x" }),
      }),
    );
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()).toEqual([]);
    const html = await response.text();
    expect(html).toMatch(/role="alert">The email or password is incorrect\.</);
    expect(html).toContain(`value="${email}"`);
    expect(html).not.toContain("wrong password here");
    expect(html).toContain('name="return" value="/x"');
    expect(html).toContain('aria-invalid="true"');
  });

  test("sign-in form success -> 303 + cookie that then reaches through", async () => {
    const { gateway, seen } = setup();
    const { email } = await signUp(gateway);
    const response = await gateway.fetch(
      new Request(`${GW}/auth/sign-in`, { method: "POST", headers: { ...FORM, ...SAME_SITE }, body: form({ email, password: "correct horse battery", return: "/home" }) }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/home");
    const cookie = sessionCookie(response);
    expect((await gateway.fetch(new Request(`${GW}/home`, { headers: { cookie } }))).status).toBe(200);
    expect(seen[0]!.headers.get("x-portcullis-email")).toBe(email);
  });

  test("echoed input is escaped (HTML injection)", async () => {
    const { gateway } = setup();
    const response = await gateway.fetch(
      new Request(`${GW}/auth/sign-up`, {
        method: "POST",
        headers: { ...FORM, ...SAME_SITE },
        body: form({ email: '"><script>alert(1)</script>', password: "short", name: "<img src=x onerror=alert(1)>" }),
      }),
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
    const html = await response.text();
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&#34;&#62;&#60;script&#62;");
  });

  test.each([
    ["foreign Origin", { origin: "https://evil.test" }],
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["Origin: null", { origin: "null" }],
  ])("cross-site form post (%s) -> 403, no cookie", async (_label, headers) => {
    const { gateway } = setup();
    const response = await gateway.fetch(
      new Request(`${GW}/auth/sign-up`, { method: "POST", headers: { ...FORM, ...headers }, body: form({ email: "csrf@example.test", password: "correct horse battery" }) }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await response.text()).toContain("another site");
  });

  test("an oversized form is refused without reaching the API", async () => {
    const { gateway } = setup();
    const response = await gateway.fetch(
      new Request(`${GW}/auth/sign-in`, { method: "POST", headers: { ...FORM, ...SAME_SITE }, body: form({ email: "a@b.test", password: "x".repeat(20_000) }) }),
    );
    expect(response.status).toBe(413);
  });

  test("sign-out form -> 303 to sign-in, cookie cleared, session dead", async () => {
    const { gateway } = setup();
    const { cookie } = await signUp(gateway);
    const response = await gateway.fetch(new Request(`${GW}/auth/sign-out`, { method: "POST", headers: { ...FORM, ...SAME_SITE, cookie }, body: "" }));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/auth/sign-in");
    expect(response.headers.getSetCookie()[0]).toMatch(/^__Host-portcullis=; .*Max-Age=0/);
    expect((await gateway.fetch(new Request(`${GW}/app`, { headers: { cookie } }))).status).toBe(401);
  });

  test("cross-site sign-out form -> 403 page, session alive", async () => {
    const { gateway } = setup();
    const { cookie } = await signUp(gateway);
    const response = await gateway.fetch(new Request(`${GW}/auth/sign-out`, { method: "POST", headers: { ...FORM, origin: "https://evil.test", cookie }, body: "" }));
    expect(response.status).toBe(403);
    expect((await gateway.fetch(new Request(`${GW}/app`, { headers: { cookie } }))).status).toBe(200);
  });

  test("the JSON API stays JSON under the same paths", async () => {
    const { gateway } = setup();
    const { cookie } = await signUp(gateway);
    const session = await gateway.fetch(new Request(`${GW}/auth/session`, { headers: { cookie } }));
    expect(session.status).toBe(200);
    const signOut = await gateway.fetch(new Request(`${GW}/auth/sign-out`, { method: "POST", headers: { cookie } }));
    expect(signOut.status).toBe(204);
  });
});

describe("proxying", () => {
  test("signed in: identity headers set, spoofed ones replaced, session cookie removed, other cookies kept", async () => {
    const { gateway, seen } = setup();
    const { cookie, email } = await signUp(gateway);
    const response = await gateway.fetch(
      new Request(`${GW}/dashboard?tab=1`, {
        headers: {
          cookie: `theme=dark; ${cookie}; lang=en`,
          "X-Portcullis-User-Id": "admin",
          "x-portcullis-role": "root",
          "x-middleware-subrequest": "middleware",
          "x-forwarded-for": "1.2.3.4",
          forwarded: "for=1.2.3.4",
          connection: "keep-alive, x-hop",
          "x-hop": "drop me",
        },
      }),
    );
    expect(response.status).toBe(200);
    const request = seen[0]!;
    expect(request.url).toBe(`${ORIGIN}/dashboard?tab=1`);
    expect(request.headers.get("x-portcullis-user-id")).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(request.headers.get("x-portcullis-email")).toBe(email);
    expect(request.headers.get("x-portcullis-email-verified")).toBe("false");
    expect(request.headers.get("x-portcullis-name")).toBe("Ada");
    expect(request.headers.get("x-portcullis-auth-methods")).toBe("pwd");
    expect(new Date(request.headers.get("x-portcullis-session-expires")!).getTime()).toBeGreaterThan(Date.now());
    expect(request.headers.get("x-portcullis-role")).toBeNull();
    expect(request.headers.get("x-middleware-subrequest")).toBeNull();
    expect(request.headers.get("cookie")).toBe("theme=dark; lang=en");
    expect(request.headers.get("x-forwarded-for")).toBeNull();
    expect(request.headers.get("forwarded")).toBeNull();
    expect(request.headers.get("x-forwarded-host")).toBe("gw.example.test");
    expect(request.headers.get("x-forwarded-proto")).toBe("https");
    expect(request.headers.get("x-hop")).toBeNull();
    expect(request.cache).toBe("no-store");
  });

  test("bearer token: Authorization does not reach the origin", async () => {
    const { gateway, seen } = setup();
    const { token } = await signUp(gateway, "bearer");
    const response = await gateway.fetch(new Request(`${GW}/api/me`, { headers: { authorization: `Bearer ${token}` } }));
    expect(response.status).toBe(200);
    expect(seen[0]!.headers.get("authorization")).toBeNull();
    expect(seen[0]!.headers.get("x-portcullis-user-id")).not.toBeNull();
  });

  test("method and body are forwarded", async () => {
    const { gateway, seen } = setup();
    const { cookie } = await signUp(gateway);
    await gateway.fetch(new Request(`${GW}/api/items`, { method: "PUT", headers: { cookie, "content-type": "application/json" }, body: '{"a":1}' }));
    expect(seen[0]!.method).toBe("PUT");
    expect(seen[0]!.body).toBe('{"a":1}');
    expect(seen[0]!.headers.get("content-type")).toBe("application/json");
  });

  test("public paths: no session needed, no store touched, spoofed identity and session cookie stripped", async () => {
    const broken = memoryStores();
    const stores = { ...broken, sessions: faulty(broken.sessions, { mode: "throw" }), users: faulty(broken.users, { mode: "throw" }) };
    const { gateway, seen } = setup({ stores });
    for (const path of ["/favicon.ico", "/public/app.css", "//public/x", "/%70ublic/x"]) {
      const response = await gateway.fetch(
        new Request(`${GW}${path}`, { headers: { "x-portcullis-user-id": "admin", cookie: `${COOKIE}=stolen; a=1`, ...HTML } }),
      );
      expect(response.status, path).toBe(200);
    }
    expect(seen).toHaveLength(4);
    for (const request of seen) {
      expect(request.headers.get("x-portcullis-user-id")).toBeNull();
      expect(request.headers.get("cookie")).toBe("a=1");
      expect(request.cache).not.toBe("no-store");
    }
    expect(seen[2]!.url).toBe(`${ORIGIN}//public/x`);
  });

  test("the query string never makes a path public", async () => {
    const { gateway, seen } = setup();
    const response = await gateway.fetch(new Request(`${GW}/private?x=/public/`, { headers: HTML }));
    expect(response.status).toBe(303);
    expect(seen).toHaveLength(0);
  });

  test("a scheme-relative request path cannot change the origin host (SSRF)", async () => {
    const { gateway, seen } = setup();
    const { cookie } = await signUp(gateway);
    await gateway.fetch(new Request(`${GW}//evil.test/steal`, { headers: { cookie } }));
    expect(new URL(seen[0]!.url).host).toBe("origin.internal");
    expect(seen[0]!.url).toBe(`${ORIGIN}//evil.test/steal`);
  });

  test("origin redirects to its own address are rewritten to the gateway", async () => {
    const { gateway } = setup({ origin: async () => new Response(null, { status: 302, headers: { location: `${ORIGIN}/next?a=1` } }) });
    const { cookie } = await signUp(gateway);
    const response = await gateway.fetch(new Request(`${GW}/old`, { headers: { cookie } }));
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${GW}/next?a=1`);
  });

  test("other redirects pass untouched", async () => {
    const { gateway } = setup({ origin: async () => new Response(null, { status: 302, headers: { location: "https://idp.example.test/x" } }) });
    const { cookie } = await signUp(gateway);
    const response = await gateway.fetch(new Request(`${GW}/old`, { headers: { cookie } }));
    expect(response.headers.get("location")).toBe("https://idp.example.test/x");
  });

  test("a failing origin -> 502 origin_unavailable", async () => {
    const { gateway } = setup({ origin: async () => Promise.reject(new TypeError("connect ECONNREFUSED")) });
    const { cookie } = await signUp(gateway);
    const response = await gateway.fetch(new Request(`${GW}/x`, { headers: { cookie } }));
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("origin_unavailable");
    expect(body.error.message).not.toContain("ECONNREFUSED");
  });
});

describe("store outages fail closed (503, never allowed, never anonymous)", () => {
  test("session store down -> 503 with Retry-After (JSON for API clients, a page for browsers), origin not contacted", async () => {
    const healthy = memoryStores();
    const stores = { ...healthy, sessions: faulty(healthy.sessions, { mode: "throw", methods: ["get"] }) };
    const { gateway, seen } = setup({ stores });
    const { cookie } = await signUp(gateway);
    const api = await gateway.fetch(new Request(`${GW}/x`, { headers: { cookie } }));
    expect([api.status, api.headers.get("retry-after")]).toEqual([503, "5"]);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("storage_unavailable");
    const page = await gateway.fetch(new Request(`${GW}/x`, { headers: { cookie, ...HTML } }));
    expect([page.status, page.headers.get("retry-after"), page.headers.get("content-type")]).toEqual([503, "5", "text/html; charset=utf-8"]);
    expect(await page.text()).toContain("temporarily unavailable");
    expect(seen).toHaveLength(0);
  });

  test("user store down during a form sign-in -> 503 form with a plain message", async () => {
    const healthy = memoryStores();
    const stores = { ...healthy, users: faulty(healthy.users, { mode: "throw", methods: ["findByEmail"] }) };
    const { gateway } = setup({ stores });
    const response = await gateway.fetch(
      new Request(`${GW}/auth/sign-in`, { method: "POST", headers: { ...FORM, ...SAME_SITE }, body: form({ email: "a@example.test", password: "whatever1234" }) }),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.text()).toContain("temporarily unavailable");
  });
});

describe("gatewayConfig", () => {
  const base = { DB: {} as GatewayEnv["DB"], ORIGIN_URL: "http://127.0.0.1:8788" };

  test("reads vars", () => {
    const config = gatewayConfig({ ...base, PUBLIC_PATHS: "/favicon.ico,/public/*", TRUSTED_ORIGINS: "https://a.test", AUTH_BASE_PATH: "/login" });
    expect(config.publicPaths).toEqual(["/favicon.ico", "/public/*"]);
    expect(config.settings.trustedOrigins).toEqual(["https://a.test"]);
    expect(config.settings.basePath).toBe("/login");
    expect(config.settings.cookie).toEqual({});
  });

  test("COOKIE_SECURE=false drops the __Host- prefix it cannot keep", () => {
    expect(gatewayConfig({ ...base, COOKIE_SECURE: "false" }).settings.cookie).toEqual({ secure: false, name: "portcullis" });
  });

  test.each([
    [{ ORIGIN_URL: "" }],
    [{ ORIGIN_URL: "not a url" }],
    [{ ORIGIN_URL: "ftp://x.test" }],
    [{ ORIGIN_URL: "http://user:pw@x.test" }],
    [{ COOKIE_SECURE: "no" }],
  ])("rejects %j", (override) => {
    expect(() => gatewayConfig({ ...base, ...override })).toThrow(ConfigurationError);
  });

  test("bad public paths fail when the gateway is built", () => {
    const auth = createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    expect(() => createGateway({ auth, originUrl: ORIGIN, publicPaths: ["public/*"] })).toThrow(ConfigurationError);
  });
});
