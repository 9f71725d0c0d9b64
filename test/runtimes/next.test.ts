/**
 * The Next.js helper (src/runtimes/next.ts) with memory stores and a fast hasher.
 *
 * No Next server runs here: Next is not installed and this suite must not install it. That is
 * fine for what is under test, because the middleware / Next 16 proxy contract is plain Web
 * types: a `Request` (NextRequest extends it) in, a `Response` or `undefined` ("continue") out.
 * `forward` stands in for `(headers) => NextResponse.next({ request: { headers } })`: it
 * records the headers Next would hand the application. Runs in Node and workerd.
 */
import { describe, expect, test } from "vitest";
import { faulty } from "../../src/adapters/faulty.js";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { createAuth, type Auth } from "../../src/create-auth.js";
import { ConfigurationError } from "../../src/core/errors.js";
import type { Stores } from "../../src/core/plugins.js";
import { pbkdf2Hasher } from "../../src/credentials/password/index.js";
import { IDENTITY_HEADERS, nextAuthMiddleware, safeReturnPath } from "../../src/runtimes/next.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const APP = "https://next.example.test";
const HTML = { accept: "text/html,*/*;q=0.8" };
const COOKIE = "__Host-portcullis";

function makeAuth(stores: Stores = memoryStores()): Auth {
  return createAuth({ stores, plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
}

/** What `NextResponse.next({ request: { headers } })` would pass on, captured. */
function recorder(): { forward: (headers: Headers) => Response; calls: Headers[] } {
  const calls: Headers[] = [];
  return {
    calls,
    forward(headers: Headers): Response {
      calls.push(headers);
      return new Response(null, { headers: { "x-middleware-next": "1" } });
    },
  };
}

async function signUp(auth: Auth, email: string): Promise<string> {
  const response = await auth.handle(
    new Request(`${APP}/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse battery", name: "Grace" }),
    }),
  );
  expect(response.status).toBe(201);
  return response.headers.getSetCookie()[0]!.split(";")[0]!;
}

describe("nextAuthMiddleware", () => {
  test("serves {base}/* through auth.handle (sign-up, session)", async () => {
    const auth = makeAuth();
    const middleware = nextAuthMiddleware(auth);
    const signUpResponse = await middleware(
      new Request(`${APP}/auth/sign-up`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "n1@example.test", password: "correct horse battery" }),
      }),
    );
    expect(signUpResponse?.status).toBe(201);
    const cookie = signUpResponse!.headers.getSetCookie()[0]!.split(";")[0]!;
    const session = await middleware(new Request(`${APP}/auth/session`, { headers: { cookie } }));
    expect(session?.status).toBe(200);
  });

  test("cross-site POST to the auth surface -> 403", async () => {
    const middleware = nextAuthMiddleware(makeAuth());
    const response = await middleware(
      new Request(`${APP}/auth/sign-up`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://evil.test" },
        body: JSON.stringify({ email: "n2@example.test", password: "correct horse battery" }),
      }),
    );
    expect(response?.status).toBe(403);
  });

  test("anonymous page load -> 303 with an absolute Location (Next refuses relative ones)", async () => {
    const middleware = nextAuthMiddleware(makeAuth());
    const response = await middleware(new Request(`${APP}/dashboard?x=1`, { headers: HTML }));
    expect(response?.status).toBe(303);
    expect(response?.headers.get("location")).toBe(`${APP}/auth/sign-in?return=%2Fdashboard%3Fx%3D1`);
  });

  test("a custom signInPath is the redirect target and is public by itself", async () => {
    const { forward, calls } = recorder();
    const middleware = nextAuthMiddleware(makeAuth(), { signInPath: "/login", forward });
    const response = await middleware(new Request(`${APP}/settings`, { headers: HTML }));
    expect(response?.headers.get("location")).toBe(`${APP}/login?return=%2Fsettings`);
    expect((await middleware(new Request(`${APP}/login?return=%2Fsettings`, { headers: HTML })))?.headers.get("x-middleware-next")).toBe("1");
    expect(calls).toHaveLength(1);
  });

  test("anonymous API call -> 401 JSON", async () => {
    const middleware = nextAuthMiddleware(makeAuth());
    const response = await middleware(new Request(`${APP}/api/data`));
    expect(response?.status).toBe(401);
    expect(((await response!.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
  });

  test("public paths continue without a session (undefined without forward)", async () => {
    const middleware = nextAuthMiddleware(makeAuth(), { publicPaths: ["/", "/_next/*", "/favicon.ico"] });
    for (const path of ["/", "/_next/static/chunk.js", "//_next/static/chunk.js", "/favicon.ico"]) {
      expect(await middleware(new Request(`${APP}${path}`, { headers: HTML })), path).toBeUndefined();
    }
    expect((await middleware(new Request(`${APP}/private?x=/_next/`, { headers: HTML })))?.status).toBe(303);
  });

  test("public paths with forward: client identity headers and the session cookie are stripped", async () => {
    const { forward, calls } = recorder();
    const middleware = nextAuthMiddleware(makeAuth(), { publicPaths: ["/blog/*"], forward });
    await middleware(new Request(`${APP}/blog/post`, { headers: { "x-portcullis-user-id": "admin", "x-middleware-subrequest": "middleware", cookie: `${COOKIE}=t; a=1` } }));
    expect(calls[0]!.get("x-portcullis-user-id")).toBeNull();
    expect(calls[0]!.get("x-middleware-subrequest")).toBeNull();
    expect(calls[0]!.get("cookie")).toBe("a=1");
  });

  test("signed in: forward gets identity headers, spoofed ones replaced, no session cookie", async () => {
    const auth = makeAuth();
    const cookie = await signUp(auth, "grace@example.test");
    const { forward, calls } = recorder();
    const middleware = nextAuthMiddleware(auth, { forward });
    const response = await middleware(
      new Request(`${APP}/dashboard`, { headers: { cookie: `${cookie}; theme=dark`, "X-Portcullis-User-Id": "admin", "X-Portcullis-Email": "admin@example.test" } }),
    );
    expect(response?.headers.get("x-middleware-next")).toBe("1");
    const headers = calls[0]!;
    expect(headers.get(IDENTITY_HEADERS.email)).toBe("grace@example.test");
    expect(headers.get(IDENTITY_HEADERS.userId)).not.toBe("admin");
    expect(headers.get(IDENTITY_HEADERS.name)).toBe("Grace");
    expect(headers.get("cookie")).toBe("theme=dark");
  });

  test("signed in without forward -> undefined (continue)", async () => {
    const auth = makeAuth();
    const cookie = await signUp(auth, "plain@example.test");
    expect(await nextAuthMiddleware(auth)(new Request(`${APP}/dashboard`, { headers: { cookie } }))).toBeUndefined();
  });

  test("bearer tokens work and Authorization is not forwarded", async () => {
    const auth = makeAuth();
    const signUpResponse = await auth.handle(
      new Request(`${APP}/auth/sign-up`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "bearer@example.test", password: "correct horse battery", transport: "bearer" }),
      }),
    );
    const { token } = (await signUpResponse.json()) as { token: string };
    const { forward, calls } = recorder();
    await nextAuthMiddleware(auth, { forward })(new Request(`${APP}/api/me`, { headers: { authorization: `Bearer ${token}` } }));
    expect(calls[0]!.get("authorization")).toBeNull();
    expect(calls[0]!.get(IDENTITY_HEADERS.email)).toBe("bearer@example.test");
  });

  test("store outage -> 503, never continue", async () => {
    const healthy = memoryStores();
    const auth = makeAuth({ ...healthy, sessions: faulty(healthy.sessions, { mode: "throw", methods: ["get"] }) });
    const cookie = await signUp(auth, "outage@example.test");
    const { forward, calls } = recorder();
    const response = await nextAuthMiddleware(auth, { forward })(new Request(`${APP}/dashboard`, { headers: { cookie, ...HTML } }));
    expect(response?.status).toBe(503);
    expect(response?.headers.get("retry-after")).toBe("5");
    expect(calls).toHaveLength(0);
  });

  test("bad options fail at start-up", () => {
    expect(() => nextAuthMiddleware(makeAuth(), { publicPaths: ["blog/*"] })).toThrow(ConfigurationError);
    expect(() => nextAuthMiddleware(makeAuth(), { signInPath: "//evil.test" })).toThrow(ConfigurationError);
  });

  test("safeReturnPath is re-exported for the app's sign-in page", () => {
    expect(safeReturnPath("//evil.test", APP)).toBe("/");
    expect(safeReturnPath("/dashboard?x=1", APP)).toBe("/dashboard?x=1");
  });
});
