/**
 * Bypass attempts against a gateway route rule, decided by the authorization engine
 * (`authorizerCheck`, see route-fixture.ts). Runs in Node and workerd.
 *
 * Rule under test: GET /admin/* requires admin:read. Every spelling of /admin/x must be decided
 * exactly like /admin/x (anonymous 401, ordinary user 403, administrator and the administrator's
 * admin:read API key 200), except the
 * ambiguous ones (an encoded / \ % ; or control character that a later hop could decode
 * differently): those are refused with 403 even for the administrator, which is never LESS
 * restrictive than the decoded form. SECURITY.md bug classes: `//path` bypassing disabled
 * paths, skip-auth rules matched against the query string.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { compileRouteRules, type RouteRule } from "../../src/gateway/index.js";
import { GW, JSON_ACCEPT, ORIGIN, routeFixture, type RouteFixture } from "./route-fixture.js";

const ADMIN_RULE: RouteRule = { method: "GET", path: "/admin/*", permission: "admin:read" };

type Expected = "same" | "ambiguous";

/** [request path (+ query), how it must be decided, why]. */
const VARIANTS: Array<[string, Expected, string]> = [
  ["/admin/x", "same", "the reference"],
  ["//admin/x", "same", "leading double slash"],
  ["///admin///x//", "same", "slashes everywhere"],
  ["/%61dmin/x", "same", "percent-encoded unreserved letter"],
  ["/ad%6Din/x", "same", "percent-encoded letter mid-segment"],
  ["/%41DMIN/x", "same", "percent-encoded upper-case letter"],
  ["/ADMIN/x", "same", "upper case"],
  ["/Admin/x", "same", "mixed case"],
  ["/admin/X", "same", "case below the prefix"],
  ["/./admin/x", "same", "dot segment"],
  ["/%2e/admin/x", "same", "encoded dot segment"],
  ["/public/../admin/x", "same", "parent segment out of a public path"],
  ["/public/%2e%2e/admin/x", "same", "encoded parent segment"],
  ["/public/.%2E/admin/x", "same", "half-encoded parent segment"],
  ["/admin//x", "same", "double slash inside"],
  ["/admin/./x", "same", "dot segment inside"],
  ["/admin/x/", "same", "trailing slash"],
  ["/admin/x/.", "same", "trailing dot segment"],
  ["/admin/x?next=/public", "same", "query string pointing at a public path"],
  ["/admin/x?x=/public/../", "same", "query string with dot segments"],
  ["/admin;jsessionid=1/x", "same", "path parameter (Tomcat strips it)"],
  ["/admin/x;jsessionid=1", "same", "path parameter on the last segment"],
  ["/;x/admin/x", "same", "segment that is only a path parameter"],
  ["/admin\\x", "same", "backslash (the URL parser turns it into /)"],
  ["/ad\tmin/x", "same", "tab inside (the URL parser drops it)"],
  ["/admin%2Fx", "ambiguous", "encoded slash"],
  ["/admin%2fx", "ambiguous", "encoded slash, lower-case hex"],
  ["/admin%5Cx", "ambiguous", "encoded backslash"],
  ["/%2561dmin/x", "ambiguous", "double encoding"],
  ["/%252e%252e/admin/x", "ambiguous", "double-encoded parent segment"],
  ["/admin%3Bx/y", "ambiguous", "encoded semicolon"],
  ["/..;/admin/x", "ambiguous", "Tomcat ..;/"],
  ["/admin/..;/x", "ambiguous", "Tomcat ..;/ inside"],
  ["/admin%00/x", "ambiguous", "encoded NUL"],
  ["/admin%0a/x", "ambiguous", "encoded newline"],
];

describe("bypass table: GET /admin/* requires admin:read", () => {
  let fx: RouteFixture;
  beforeAll(async () => {
    fx = await routeFixture([ADMIN_RULE]);
  });

  async function status(path: string, who: keyof RouteFixture["as"], method = "GET"): Promise<number> {
    const response = await fx.gateway.fetch(new Request(`${GW}${path}`, { method, headers: { ...JSON_ACCEPT, ...(fx.as[who] as Record<string, string>) } }));
    return response.status;
  }

  test.each(VARIANTS)("%s (%s: %s)", async (path, expected) => {
    const before = fx.seen.length;
    expect(await status(path, "anonymous"), "anonymous").toBe(401);
    expect(await status(path, "user"), "ordinary user").toBe(403);
    expect(fx.seen.length, "nothing reached the origin").toBe(before);
    expect(await status(path, "admin"), "administrator").toBe(expected === "same" ? 200 : 403);
    expect(fx.seen.length).toBe(before + (expected === "same" ? 1 : 0));
    expect(await status(path, "adminKey"), "administrator's API key").toBe(expected === "same" ? 200 : 403);
    expect(fx.seen.length).toBe(before + (expected === "same" ? 2 : 0));
  });

  test("the ordinary user's denials carry the engine's reason; the ambiguous ones never reach it", async () => {
    const before = fx.denials.length;
    await status("/%61dmin/x", "user");
    await status("/admin%2Fx", "admin");
    expect(fx.denials.slice(before).map((d) => [d.reason, d.detail])).toEqual([
      ["forbidden", "default_deny"],
      ["ambiguous_path", null],
    ]);
  });

  test("the 403 is JSON forbidden, not cacheable", async () => {
    const response = await fx.gateway.fetch(new Request(`${GW}/ADMIN/x`, { headers: fx.as.user }));
    expect(response.status).toBe(403);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("forbidden");
    expect(body.error.message).not.toContain("admin:read");
  });

  test("an anonymous browser is sent to sign-in, not shown a 403", async () => {
    const response = await fx.gateway.fetch(new Request(`${GW}//ADMIN/x`, { headers: { accept: "text/html" } }));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toMatch(/^\/auth\/sign-in\?return=/);
  });

  test("the query string never decides: /public/x?next=/admin/x stays public", async () => {
    expect(await status("/public/x?next=/admin/x", "anonymous")).toBe(200);
    expect(await status("/public/x?next=%2Fadmin%2Fx", "user")).toBe(200);
    expect(fx.seen.at(-1)).toBe(`${ORIGIN}/public/x?next=%2Fadmin%2Fx`);
  });

  test("HEAD is decided like GET", async () => {
    expect(await status("/admin/x", "anonymous", "HEAD")).toBe(401);
    expect(await status("/Admin//x/", "user", "HEAD")).toBe(403);
    expect(await status("/admin/x", "admin", "HEAD")).toBe(200);
    expect(await status("/admin/x", "adminKey", "HEAD")).toBe(200);
  });

  test("a GET-only rule leaves other methods to the default (signed in is enough)", async () => {
    expect(await status("/admin/x", "user", "POST")).toBe(200);
    expect(await status("/admin/x", "anonymous", "POST")).toBe(401);
  });

  test("paths that only look similar are not covered", async () => {
    expect(await status("/administrator", "user")).toBe(200);
    expect(await status("/public/admin/x", "anonymous")).toBe(200);
  });

  test("the administrator's request reaches the origin with the path as sent", async () => {
    await status("//Admin/x?tab=1", "admin");
    expect(fx.seen.at(-1)).toBe(`${ORIGIN}//Admin/x?tab=1`);
  });
});

describe("method * covers every method", () => {
  let fx: RouteFixture;
  beforeAll(async () => {
    fx = await routeFixture([{ method: "*", path: "/admin/*", permission: "admin:write" }]);
  });

  test.each(["GET", "HEAD", "POST", "PUT", "PATCH", "patch", "DELETE", "OPTIONS", "PROPFIND"])("%s /ADMIN/x: user 403, admin passes, admin:read key 403", async (method) => {
    const request = (who: "user" | "admin" | "adminKey"): Request => new Request(`${GW}/ADMIN/x`, { method, headers: { ...JSON_ACCEPT, ...(fx.as[who] as Record<string, string>) } });
    expect((await fx.gateway.fetch(request("user"))).status).toBe(403);
    expect((await fx.gateway.fetch(request("admin"))).status).toBe(200);
    // The owner's role allows admin:write; the key's scopes do not, and scopes are an upper bound.
    expect((await fx.gateway.fetch(request("adminKey"))).status).toBe(403);
    expect(fx.denials.at(-1)!.detail).toBe("scope_limit");
  });
});

describe("matcher on raw pathnames (what the URL parser has not already resolved)", () => {
  const matcher = compileRouteRules([ADMIN_RULE, { path: "/public/*", policy: "authenticated" }]);
  const cases: Array<[string, "admin" | "ambiguous" | "other"]> = [
    ["/admin/x", "admin"],
    ["//admin/x", "admin"],
    ["/./admin/x", "admin"],
    ["/public/../admin/x", "admin"],
    ["/public/%2e%2e/admin/x", "admin"],
    ["/public/x/../../admin/x", "admin"],
    ["/../admin/x", "admin"],
    ["/admin/./x", "admin"],
    ["/admin//x", "admin"],
    ["/admin/x/", "admin"],
    ["/%61dmin/x", "admin"],
    ["/ADMIN/x", "admin"],
    ["/admin;jsessionid=1/x", "admin"],
    ["/admin/x/..", "admin"],
    ["/admin%2Fx", "ambiguous"],
    ["/%2561dmin/x", "ambiguous"],
    ["/admin\\x", "ambiguous"],
    ["/ad\tmin/x", "ambiguous"],
    ["/admin/x?next=/public", "ambiguous"], // a query passed as a path by mistake is refused, never matched
    ["/admin/%", "ambiguous"],
    ["/public/x", "other"],
    ["/admin/../public/x", "other"],
  ];
  test.each(cases)("%s -> %s", (path, expected) => {
    const match = matcher.match("GET", path);
    const got = match.kind === "rule" ? (match.rule.path === "/admin/*" ? "admin" : "other") : match.kind;
    expect(got).toBe(expected);
  });
});
