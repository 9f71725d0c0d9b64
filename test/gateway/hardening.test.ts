/**
 * What a black-box review of the 0.4.1 gateway found, one regression test each (issue 10).
 * Runs in Node and workerd. The end-to-end half of item 3 (a stalled connection under
 * wrangler dev) is in test/e2e/oversized-body.node.test.ts.
 */
import { describe, expect, test } from "vitest";
import { faulty } from "../../src/adapters/faulty.js";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { readBodyText, DRAIN_LIMIT } from "../../src/core/http/body.js";
import { createAuth } from "../../src/create-auth.js";
import { emailPassword, pbkdf2Hasher } from "../../src/credentials/password/index.js";
import { compileRouteRules, type RouteRule } from "../../src/gateway/index.js";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import { makeFixture } from "../admin/fixture.js";
import { gatewayConfig, type GatewayEnv } from "../../src/runtimes/worker/config.js";
import { GW, JSON_ACCEPT, routeFixture } from "./route-fixture.js";

const ADMIN_RULE: RouteRule = { path: "/admin/*", permission: "admin:read" };
const HTML = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
const FORM = { "content-type": "application/x-www-form-urlencoded", origin: GW, "sec-fetch-site": "same-origin" };

describe("1. a segment ending in a dot or a space is not a way around a route rule", () => {
  const SPELLINGS = ["/admin.", "/ADMIN.", "/admin./x", "/admin%2e", "/admin%2E/x", "/admin%20", "/admin%20/x", "/admin..", "/admin. ./x"];

  test.each(SPELLINGS)("strict (default): %s is refused as ambiguous for a user without admin:read, and for the administrator too", async (path) => {
    const f = await routeFixture([ADMIN_RULE]);
    for (const who of [f.as.user, f.as.admin]) {
      const response = await f.gateway.fetch(new Request(`${GW}${path}`, { headers: { ...who, ...JSON_ACCEPT } }));
      expect(response.status, path).toBe(403);
    }
    expect(f.seen).toEqual([]);
    expect(f.denials.map((d) => d.reason)).toEqual(["ambiguous_path", "ambiguous_path"]);
  });

  test('windows: folded as IIS folds them, so /admin. is decided as /admin (user 403, administrator 200)', async () => {
    const f = await routeFixture([ADMIN_RULE], { pathStyle: "windows" });
    for (const path of ["/admin.", "/ADMIN.", "/admin./x", "/admin%2e", "/admin%20"]) {
      expect((await f.gateway.fetch(new Request(`${GW}${path}`, { headers: { ...f.as.user, ...JSON_ACCEPT } }))).status, path).toBe(403);
      expect((await f.gateway.fetch(new Request(`${GW}${path}`, { headers: { ...f.as.admin, ...JSON_ACCEPT } }))).status, path).toBe(200);
    }
    expect(f.denials.every((d) => d.reason === "forbidden")).toBe(true);
  });

  test("posix: the origin tells them apart, so /admin. is its own path (no rule covers it)", async () => {
    const f = await routeFixture([ADMIN_RULE], { pathStyle: "posix" });
    expect((await f.gateway.fetch(new Request(`${GW}/admin.`, { headers: { ...f.as.user, ...JSON_ACCEPT } }))).status).toBe(200);
    expect((await f.gateway.fetch(new Request(`${GW}/admin`, { headers: { ...f.as.user, ...JSON_ACCEPT } }))).status).toBe(403);
  });

  test("a rule that could never match, or an unknown style, is a configuration error", () => {
    expect(() => compileRouteRules([{ path: "/v1./x", permission: "a:b" }])).toThrow(/ending in a dot or a space/);
    expect(() => compileRouteRules([{ path: "/v1./x", permission: "a:b" }], { pathStyle: "posix" })).not.toThrow();
    expect(() => compileRouteRules([ADMIN_RULE], { pathStyle: "iis" as never })).toThrow(/pathStyle/);
  });

  test("ordinary dots inside a segment are untouched", async () => {
    const f = await routeFixture([ADMIN_RULE]);
    for (const path of ["/admin/report.pdf", "/admin/v1.2/x", "/files/.well-known"]) {
      expect((await f.gateway.fetch(new Request(`${GW}${path}`, { headers: { ...f.as.admin, ...JSON_ACCEPT } }))).status, path).toBe(200);
    }
  });
});

describe("2. identity headers spelled with underscores are stripped too", () => {
  test.each([["x_portcullis_user_id"], ["X_Portcullis_User_Id"], ["x-portcullis_email"], ["x_middleware_subrequest"]])("%s never reaches the origin, on a public path or a signed-in one", async (name) => {
    const f = await routeFixture([]);
    await f.gateway.fetch(new Request(`${GW}/public/x`, { headers: { [name]: "admin" } }));
    await f.gateway.fetch(new Request(`${GW}/anything`, { headers: { ...f.as.user, [name]: "admin" } }));
    expect(f.seenHeaders).toHaveLength(2);
    for (const headers of f.seenHeaders) {
      expect(headers.get(name)).toBeNull();
      expect([...headers.values()]).not.toContain("admin");
    }
    // The real identity still arrives, under its own name.
    expect(f.seenHeaders[1]!.get("x-portcullis-user-id")).toBe(f.ids.user);
  });
});

describe("3. an oversized request body is never cancelled (workerd stalls the next request after a cancel)", () => {
  function body(size: number, chunk = 16_384): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean; read: () => number } {
    let sent = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= size) return controller.close();
        const n = Math.min(chunk, size - sent);
        sent += n;
        controller.enqueue(new Uint8Array(n).fill(120));
      },
      cancel() {
        cancelled = true;
      },
    });
    return { stream, cancelled: () => cancelled, read: () => sent };
  }

  function post(stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
    return new Request(`${GW}/auth/sign-in`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: stream, duplex: "half" } as RequestInit);
  }

  test.each([
    ["17 KiB", 17 * 1024],
    ["1 MiB", 1024 * 1024],
  ])("%s over the 16 KiB limit, streamed without Content-Length: 413, read to its end, not cancelled", async (_name, size) => {
    const auth = createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    const b = body(size);
    const response = await auth.handle(post(b.stream));
    expect(response.status).toBe(413);
    expect(b.cancelled()).toBe(false);
    expect(b.read()).toBe(size);
  });

  test("far beyond: reading stops after the drain bound, still without a cancel", async () => {
    const b = body(8 * 1024 * 1024);
    await expect(readBodyText(post(b.stream), 16_384)).rejects.toMatchObject({ code: "payload_too_large" });
    expect(b.cancelled()).toBe(false);
    expect(b.read()).toBeLessThanOrEqual(DRAIN_LIMIT + 2 * 16_384);
  });

  test("a declared Content-Length over the limit is refused without touching the body (no read, no cancel)", async () => {
    const b = body(4 * 1024 * 1024);
    await expect(readBodyText(post(b.stream, { "content-length": String(4 * 1024 * 1024) }), 16_384)).rejects.toMatchObject({ code: "payload_too_large" });
    expect(b.cancelled()).toBe(false);
    // At most what the stream queued on its own when it was created.
    expect(b.read()).toBeLessThanOrEqual(16_384);
  });
});

describe("4. the admin API authorizes before it reads the request", () => {
  test("without the permission, a missing or malformed input is a 403 like a well-formed one, never a 400 that describes the input", async () => {
    const f = await makeFixture();
    const bob = await f.person("bob@acme.test", "acme");
    const loner = await f.person("loner@nowhere.test", null);
    for (const as of [bob, loner]) {
      for (const query of [undefined, { tenantId: "acme" }, { tenantId: "" }, { bogus: "1" }]) {
        const res = await f.call("GET", "/members", { as, ...(query === undefined ? {} : { query }) });
        expect([res.status, res.body.error?.code], JSON.stringify(query)).toEqual([403, "forbidden"]);
      }
      for (const [route, body] of [
        ["/members/add", { nonsense: true }],
        ["/roles/assign", "not json"],
        ["/grants/set", {}],
        ["/service-accounts", { name: "" }],
        ["/api-keys/revoke", { id: 42 }],
      ] as const) {
        const res = await f.call("POST", route, { as, body });
        expect([route, res.status, res.body.error?.code]).toEqual([route, 403, "forbidden"]);
      }
    }
  });

  test("an authorized caller still gets the precise 400 for its input", async () => {
    const f = await makeFixture();
    const root = await f.person("root@nowhere.test", null, ["super"]);
    const res = await f.call("GET", "/members", { as: root });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_request", reason: "tenant_required" });
  });
});

describe("5. browsers get pages, API clients keep JSON", () => {
  test("403 on a route rule: a page that says who is signed in, with switch-account and sign-out buttons", async () => {
    const f = await routeFixture([ADMIN_RULE]);
    const page = await f.gateway.fetch(new Request(`${GW}/admin/users?tab=2`, { headers: { ...f.as.user, ...HTML } }));
    expect(page.status).toBe(403);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain("someone@example.test");
    expect(html).toContain('action="/auth/sign-out"');
    expect(html).toContain('name="return" value="/admin/users?tab=2"');
    expect(html).toContain("Sign in as someone else");
    const api = await f.gateway.fetch(new Request(`${GW}/admin/users`, { headers: { ...f.as.user, ...JSON_ACCEPT } }));
    expect(api.status).toBe(403);
    expect(await api.json()).toMatchObject({ error: { code: "forbidden" } });
  });

  test("switch account: the page's form signs out and lands on the sign-in page with the refused path as return", async () => {
    const f = await routeFixture([ADMIN_RULE]);
    const response = await f.gateway.fetch(
      new Request(`${GW}/auth/sign-out`, { method: "POST", headers: { ...f.as.user, ...FORM, ...HTML }, body: new URLSearchParams({ return: "/admin/users" }).toString() }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/auth/sign-in?return=%2Fadmin%2Fusers");
    expect(response.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
    expect((await f.gateway.fetch(new Request(`${GW}/auth/session`, { headers: f.as.user }))).status).toBe(401);
  });

  function originGateway(fetchOrigin: (request: Request) => Promise<Response>, originTimeoutMs?: number): { gateway: Gateway; cookie: Promise<string> } {
    const auth = createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    const gateway = createGateway({ auth, originUrl: "http://origin.internal", fetchOrigin, ...(originTimeoutMs === undefined ? {} : { originTimeoutMs }) });
    const cookie = gateway
      .fetch(new Request(`${GW}/auth/sign-up`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "o@example.test", password: "correct horse battery" }) }))
      .then((r) => r.headers.getSetCookie()[0]!.split(";")[0]!);
    return { gateway, cookie };
  }

  test("origin unreachable: 502 page for a browser, 502 origin_unavailable JSON for an API client", async () => {
    const { gateway, cookie } = originGateway(() => Promise.reject(new TypeError("connect ECONNREFUSED")));
    const page = await gateway.fetch(new Request(`${GW}/x`, { headers: { cookie: await cookie, ...HTML } }));
    expect([page.status, page.headers.get("content-type")?.startsWith("text/html"), page.headers.get("retry-after")]).toEqual([502, true, "5"]);
    expect(await page.text()).toContain("could not be reached");
    const api = await gateway.fetch(new Request(`${GW}/x`, { headers: { cookie: await cookie, ...JSON_ACCEPT } }));
    expect(api.status).toBe(502);
    expect(await api.json()).toMatchObject({ error: { code: "origin_unavailable" } });
  });

  test("origin too slow: abandoned after originTimeoutMs, 504 page / origin_timeout JSON; the origin request is aborted", async () => {
    let aborted = 0;
    const slow = (request: Request): Promise<Response> =>
      new Promise((_resolve, reject) => {
        request.signal.addEventListener("abort", () => {
          aborted++;
          reject(new DOMException("aborted", "AbortError"));
        });
      });
    const { gateway, cookie } = originGateway(slow, 50);
    const started = Date.now();
    const page = await gateway.fetch(new Request(`${GW}/x`, { headers: { cookie: await cookie, ...HTML } }));
    expect(page.status).toBe(504);
    expect(await page.text()).toContain("did not answer in time");
    expect(Date.now() - started).toBeLessThan(5000);
    const api = await gateway.fetch(new Request(`${GW}/x`, { headers: { cookie: await cookie, ...JSON_ACCEPT } }));
    expect(await api.json()).toMatchObject({ error: { code: "origin_timeout" } });
    expect(aborted).toBe(2);
  });

  test("a slow body after prompt headers is not cut off by the timeout", async () => {
    const streaming = async (): Promise<Response> =>
      new Response(
        new ReadableStream({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode("part one, "));
            await new Promise((resolve) => setTimeout(resolve, 150));
            controller.enqueue(new TextEncoder().encode("part two"));
            controller.close();
          },
        }),
      );
    const { gateway, cookie } = originGateway(streaming, 50);
    const response = await gateway.fetch(new Request(`${GW}/x`, { headers: { cookie: await cookie } }));
    expect(await response.text()).toBe("part one, part two");
  });

  test("a store down: 503 page with Retry-After for a browser, 503 JSON for an API client", async () => {
    const healthy = memoryStores();
    const auth = createAuth({ stores: healthy, plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    const gateway = createGateway({ auth, originUrl: "http://origin.internal", fetchOrigin: async () => new Response("ok") });
    const signUp = await gateway.fetch(new Request(`${GW}/auth/sign-up`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "s@example.test", password: "correct horse battery" }) }));
    const cookie = signUp.headers.getSetCookie()[0]!.split(";")[0]!;
    const broken = createAuth({ stores: { ...healthy, sessions: faulty(healthy.sessions, { mode: "throw" }) }, plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    const down = createGateway({ auth: broken, originUrl: "http://origin.internal", fetchOrigin: async () => new Response("ok") });
    const page = await down.fetch(new Request(`${GW}/x`, { headers: { cookie, ...HTML } }));
    expect([page.status, page.headers.get("retry-after")]).toEqual([503, "5"]);
    expect(await page.text()).toContain("temporarily unavailable");
    const api = await down.fetch(new Request(`${GW}/x`, { headers: { cookie, ...JSON_ACCEPT } }));
    expect(api.status).toBe(503);
    expect(await api.json()).toMatchObject({ error: { code: "storage_unavailable" } });
  });

  test("the sign-in page, already signed in: says as whom, continues to the return path, or signs out", async () => {
    const f = await routeFixture([]);
    const page = await f.gateway.fetch(new Request(`${GW}/auth/sign-in?return=/reports`, { headers: { ...f.as.user, ...HTML } }));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("already signed in");
    expect(html).toContain("someone@example.test");
    expect(html).toContain('href="/reports"');
    expect(html).toContain('action="/auth/sign-out"');
    expect(html).not.toContain('name="password"');
    // Signed out (or with a dead cookie), the form as before.
    const anonymous = await f.gateway.fetch(new Request(`${GW}/auth/sign-in`, { headers: { cookie: "__Host-portcullis=stale", ...HTML } }));
    expect(await anonymous.text()).toContain('name="password"');
  });
});

describe("the Worker's variables for items 1 and 5", () => {
  const base: GatewayEnv = { DB: {} as GatewayEnv["DB"], ORIGIN_URL: "http://127.0.0.1:8788" };

  test("ROUTE_PATH_STYLE: strict by default; windows or posix; anything else stops the gateway", () => {
    expect(gatewayConfig(base).pathStyle).toBe("strict");
    expect(gatewayConfig({ ...base, ROUTE_PATH_STYLE: " Windows " }).pathStyle).toBe("windows");
    expect(gatewayConfig({ ...base, ROUTE_PATH_STYLE: "posix" }).pathStyle).toBe("posix");
    expect(() => gatewayConfig({ ...base, ROUTE_PATH_STYLE: "iis" })).toThrow(/ROUTE_PATH_STYLE/);
  });

  test("ORIGIN_TIMEOUT: 30 s by default, whole seconds from 1 to 300", () => {
    expect(gatewayConfig(base).originTimeoutMs).toBe(30_000);
    expect(gatewayConfig({ ...base, ORIGIN_TIMEOUT: "5" }).originTimeoutMs).toBe(5_000);
    for (const bad of ["0", "301", "1.5", "-1", "ten"]) expect(() => gatewayConfig({ ...base, ORIGIN_TIMEOUT: bad }), bad).toThrow(/ORIGIN_TIMEOUT/);
  });
});
