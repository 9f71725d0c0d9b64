/**
 * Route rules inside the access decision and the gateway: the injected check, named policies,
 * the audit callback, failures (which fail closed), the interplay with public paths and the
 * sign-in page, and the Worker configuration (ROUTE_RULES, ROLES, POLICIES). The engine-backed
 * check (`authorizerCheck`) has its own suite: authorizer-check.test.ts. Runs in Node and
 * workerd. ASVS 5.0 V16 (logging: no secrets, fail securely, never open).
 */
import { describe, expect, test } from "vitest";
import { memoryAuditSink, memoryStores } from "../../src/adapters/memory/index.js";
import { createAuth } from "../../src/create-auth.js";
import { ConfigurationError, StorageError } from "../../src/core/errors.js";
import { pbkdf2Hasher } from "../../src/credentials/password/index.js";
import type { Principal } from "../../src/ports/principal.js";
import {
  accessPolicy,
  auditRouteDenials,
  routeAuthorization,
  routeDenialEvent,
  type PermissionCheck,
  type RouteCheckContext,
  type RouteDenial,
} from "../../src/gateway/index.js";
import { gatewayAuthorizer } from "../../src/runtimes/worker/authorization.js";
import { gatewayConfig, type GatewayEnv } from "../../src/runtimes/worker/config.js";
import { createGateway } from "../../src/gateway/gateway.js";
import { ADMIN_EMAIL, GW, JSON_ACCEPT, ORIGIN, routeFixture, signUp } from "./route-fixture.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const allowAll: PermissionCheck = async () => ({ allowed: true, reason: "ok" });

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe("the injected check", () => {
  test("receives the principal, the permission, the request, the rule's :params and the session", async () => {
    const calls: Array<{ principal: Principal; permission: string; url: string; context: RouteCheckContext }> = [];
    const fx = await routeFixture([{ path: "/docs/:id/*", permission: "docs:read" }], {
      check: async (principal, permission, request, context) => {
        calls.push({ principal, permission, url: request.url, context });
        return { allowed: true, reason: "granted" };
      },
    });
    const response = await fx.gateway.fetch(new Request(`${GW}/DOCS/Q1%20Plan/pages?p=2`, { headers: fx.as.user }));
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.principal.email).toBe("someone@example.test");
    expect(calls[0]!.permission).toBe("docs:read");
    expect(calls[0]!.url).toBe(`${GW}/DOCS/Q1%20Plan/pages?p=2`);
    expect(calls[0]!.context.params).toEqual({ id: "Q1%20Plan" });
    expect(calls[0]!.context.rule.path).toBe("/docs/:id/*");
    expect(calls[0]!.context.session.amr).toEqual(["pwd"]);
  });

  test("is not called when no rule matches, nor for anonymous requests", async () => {
    let called = 0;
    const fx = await routeFixture([{ path: "/admin/*", permission: "admin:read" }], {
      check: async () => {
        called++;
        return { allowed: true, reason: "ok" };
      },
    });
    expect((await fx.gateway.fetch(new Request(`${GW}/home`, { headers: fx.as.user }))).status).toBe(200);
    expect((await fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: JSON_ACCEPT }))).status).toBe(401);
    expect(called).toBe(0);
  });

  test.each([
    ["allowed: 'true' (a string)", { allowed: "true", reason: "x" }],
    ["allowed: 1", { allowed: 1, reason: "x" }],
    ["no allowed field", { reason: "x" }],
    ["undefined", undefined],
    ["null", null],
  ])("only allowed === true allows (%s -> 403)", async (_label, decision) => {
    const fx = await routeFixture([{ path: "/admin/*", permission: "admin:read" }], { check: (async () => decision) as unknown as PermissionCheck });
    const response = await fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: fx.as.admin }));
    expect(response.status).toBe(403);
    expect(fx.seen).toHaveLength(0);
  });

  test("a check that throws a StorageError fails closed: 503 with Retry-After, audited as check_failed", async () => {
    const fx = await routeFixture([{ path: "/admin/*", permission: "admin:read" }], {
      check: async () => {
        throw new StorageError("roles table unreachable");
      },
    });
    const response = await fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: fx.as.admin }));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await errorCode(response)).toBe("storage_unavailable");
    expect(fx.seen).toHaveLength(0);
    expect(fx.denials.map((d) => [d.reason, d.detail])).toEqual([["check_failed", "StorageError"]]);
  });

  test("any other exception is a 500 without its message", async () => {
    const fx = await routeFixture([{ path: "/admin/*", permission: "admin:read" }], {
      check: async () => {
        throw new Error("secret internals");
      },
    });
    const response = await fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: fx.as.admin }));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("secret internals");
    expect(fx.seen).toHaveLength(0);
  });
});

describe("named policies", () => {
  test("authenticated lets any signed-in principal through; deny lets nobody through", async () => {
    const fx = await routeFixture([
      { path: "/admin/*", permission: "admin:read" },
      { path: "/admin/help", policy: "authenticated" },
      { path: "/internal/*", policy: "deny" },
    ]);
    expect((await fx.gateway.fetch(new Request(`${GW}/Admin/Help/`, { headers: fx.as.user }))).status).toBe(200);
    expect((await fx.gateway.fetch(new Request(`${GW}/admin/help/more`, { headers: fx.as.user }))).status).toBe(403);
    expect((await fx.gateway.fetch(new Request(`${GW}/internal/metrics`, { headers: fx.as.admin }))).status).toBe(403);
    expect(fx.denials.at(-1)!.detail).toBe("deny_policy");
  });

  test("custom policies get the principal, request and context", async () => {
    const fx = await routeFixture([{ method: "POST", path: "/teams/:team/*", policy: "team-member" }], {
      policies: {
        "team-member": async (principal, _request, context) => ({
          allowed: context.params.team === "blue" && principal.type === "user" && principal.email === ADMIN_EMAIL,
          reason: "team_check",
        }),
      },
    });
    const post = (path: string, who: "user" | "admin"): Request => new Request(`${GW}${path}`, { method: "POST", headers: fx.as[who] });
    expect((await fx.gateway.fetch(post("/teams/blue/x", "admin"))).status).toBe(200);
    expect((await fx.gateway.fetch(post("/teams/red/x", "admin"))).status).toBe(403);
    expect((await fx.gateway.fetch(post("/teams/blue/x", "user"))).status).toBe(403);
  });

  test("an unknown policy, a redefined built-in or a non-function is a ConfigurationError", () => {
    const base = { check: allowAll };
    expect(() => routeAuthorization({ ...base, rules: [{ path: "/a", policy: "managers" }] })).toThrow(/policy "managers" is not defined/);
    expect(() => routeAuthorization({ ...base, rules: [], policies: { deny: async () => ({ allowed: true, reason: "" }) } })).toThrow(ConfigurationError);
    expect(() => routeAuthorization({ ...base, rules: [], policies: { x: "yes" as never } })).toThrow(ConfigurationError);
    expect(() => routeAuthorization({ rules: [], check: undefined as never })).toThrow(ConfigurationError);
  });
});

describe("audit of denials", () => {
  test("every denial is reported once, with rule and reason, without the query string", async () => {
    const fx = await routeFixture([{ method: "GET", path: "/admin/*", permission: "admin:read" }]);
    await fx.gateway.fetch(new Request(`${GW}//ADMIN/x?token=secret-value`, { headers: { ...fx.as.user, "user-agent": "test-agent" } }));
    expect(fx.denials).toHaveLength(1);
    const denial = fx.denials[0]!;
    expect(denial.reason).toBe("forbidden");
    expect(denial.detail).toBe("default_deny");
    expect(denial.method).toBe("GET");
    expect(denial.path).toBe("//ADMIN/x");
    expect(denial.rule).toEqual({ index: 0, method: "GET", path: "/admin/*", permission: "admin:read", policy: null });
    expect(denial.principal.email).toBe("someone@example.test");
    expect(denial.sessionId).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(JSON.stringify({ ...denial, request: undefined })).not.toContain("secret-value");
  });

  test("allowed requests are not audited (the read path stays lean)", async () => {
    const fx = await routeFixture([{ path: "/admin/*", permission: "admin:read" }]);
    expect((await fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: fx.as.admin }))).status).toBe(200);
    expect(fx.denials).toHaveLength(0);
  });

  test("ambiguous paths are audited as ambiguous_path with no rule", async () => {
    const fx = await routeFixture([{ path: "/admin/*", permission: "admin:read" }]);
    expect((await fx.gateway.fetch(new Request(`${GW}/files/a%2Fb`, { headers: fx.as.admin }))).status).toBe(403);
    expect(fx.denials.map((d) => [d.reason, d.rule, d.path])).toEqual([["ambiguous_path", null, "/files/a%2Fb"]]);
  });

  test("an audit callback that fails turns the 403 into 503 audit_unavailable; never into a pass", async () => {
    const fx = await routeFixture([{ path: "/admin/*", permission: "admin:read" }], {
      audit: async () => {
        throw new Error("sink down");
      },
    });
    const response = await fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: fx.as.user }));
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe("audit_unavailable");
    expect(fx.seen).toHaveLength(0);
  });

  test("auditRouteDenials writes a route_denied AuditEvent (no query, short session reference)", async () => {
    const sink = memoryAuditSink();
    const fx = await routeFixture([{ path: "/admin/*", permission: "admin:read" }], { audit: auditRouteDenials(sink, { ipHeader: "cf-connecting-ip" }) });
    await fx.gateway.fetch(new Request(`${GW}/admin/x?secret=1`, { headers: { ...fx.as.user, "cf-connecting-ip": "203.0.113.9", "user-agent": "ua" } }));
    expect(sink.events).toHaveLength(1);
    const event = sink.events[0]!;
    expect(event).toMatchObject({ type: "route_denied", outcome: "failure", reason: "forbidden", ip: "203.0.113.9", userAgent: "ua" });
    expect(event.userId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(event.sessionRef).toHaveLength(12);
    expect(event.detail).toEqual({ method: "GET", path: "/admin/x", rule: 0, rulePath: "/admin/*", permission: "admin:read", policy: null, checkReason: "default_deny" });
    expect(JSON.stringify(event)).not.toContain("secret");
  });

  test("routeDenialEvent cuts long user agents", () => {
    const principal: Principal = { type: "user", id: "u1", email: "a@b.test", emailVerified: true, name: null, tenantId: null };
    const denial: RouteDenial = {
      reason: "forbidden",
      detail: "x",
      method: "GET",
      path: "/a",
      rule: null,
      principal,
      sessionId: "abcdefghijklmnopqrstuvwxyz",
      request: new Request(`${GW}/a`, { headers: { "user-agent": "u".repeat(5000) } }),
    };
    const event = routeDenialEvent(denial, { ipHeader: null });
    expect(event.userAgent).toHaveLength(512);
    expect(event.ip).toBeNull();
    expect(event.sessionRef).toBe("abcdefghijkl");
  });
});

describe("rules, public paths and the sign-in page", () => {
  test("a rule outranks PUBLIC_PATHS: a protected path under a public prefix needs the permission", async () => {
    const fx = await routeFixture([{ path: "/public/reports/*", permission: "reports:read" }]);
    expect((await fx.gateway.fetch(new Request(`${GW}/public/app.css`))).status).toBe(200);
    expect((await fx.gateway.fetch(new Request(`${GW}/public/reports/q1`, { headers: JSON_ACCEPT }))).status).toBe(401);
    expect((await fx.gateway.fetch(new Request(`${GW}/PUBLIC/Reports/q1`, { headers: fx.as.user }))).status).toBe(403);
    expect((await fx.gateway.fetch(new Request(`${GW}/public/reports/q1`, { headers: fx.as.admin }))).status).toBe(200);
  });

  test("ambiguous paths are refused (403) for signed-in users once any rule exists, 401 for anonymous ones", async () => {
    const fx = await routeFixture([{ path: "/admin/*", permission: "admin:read" }]);
    expect((await fx.gateway.fetch(new Request(`${GW}/files/a%2Fb`, { headers: JSON_ACCEPT }))).status).toBe(401);
    expect((await fx.gateway.fetch(new Request(`${GW}/files/a%2Fb`, { headers: fx.as.user }))).status).toBe(403);
  });

  test("without rules, ambiguous paths behave as before (a session is enough)", async () => {
    const fx = await routeFixture([]);
    expect((await fx.gateway.fetch(new Request(`${GW}/files/a%2Fb`, { headers: fx.as.user }))).status).toBe(200);
  });

  test("a catch-all /* rule never locks out the sign-in page or the auth routes", async () => {
    const fx = await routeFixture([{ path: "/*", permission: "site:enter" }]);
    expect((await fx.gateway.fetch(new Request(`${GW}/auth/sign-in`))).status).toBe(200);
    expect((await fx.gateway.fetch(new Request(`${GW}/auth/session`, { headers: fx.as.user }))).status).toBe(200);
    expect((await fx.gateway.fetch(new Request(`${GW}/`, { headers: fx.as.user }))).status).toBe(403);
    expect((await fx.gateway.fetch(new Request(`${GW}/favicon.ico`, { headers: JSON_ACCEPT }))).status).toBe(401);
    await signUp(fx.gateway, "late@example.test"); // asserts 201: sign-up is an auth route
  });

  test("accessPolicy: an app sign-in page (Next helper style) stays public under /*", async () => {
    const auth = createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    const policy = accessPolicy(auth, { signInPath: "/login", publicPaths: ["/_next/*"], routes: { rules: [{ path: "/*", policy: "deny" }], check: allowAll } });
    expect((await policy.decide(new Request(`${GW}/login`))).kind).toBe("public");
    expect((await policy.decide(new Request(`${GW}/_next/x.js`))).kind).toBe("deny");
    expect((await policy.decide(new Request(`${GW}/auth/session`))).kind).toBe("auth");
    expect(policy.routes?.matcher.rules).toHaveLength(1);
  });

  test.each(["/auth/sign-in", "/auth/*", "/AUTH/session", "/auth/:x"])("a rule under the auth base path (%s) is a ConfigurationError", (path) => {
    const auth = createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    expect(() => accessPolicy(auth, { routes: { rules: [{ path, permission: "a:b" }], check: allowAll } })).toThrow(ConfigurationError);
  });

  test("/auth itself and look-alikes are fine", () => {
    const auth = createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    expect(() => accessPolicy(auth, { routes: { rules: [{ path: "/authors/*", permission: "a:b" }, { path: "/auth", permission: "a:b" }], check: allowAll } })).not.toThrow();
  });

  test("bad rules stop the gateway from being built", () => {
    const auth = createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    expect(() => createGateway({ auth, originUrl: ORIGIN, routes: { rules: [{ path: "/admin/**", permission: "admin:read" }], check: allowAll } })).toThrow(ConfigurationError);
  });
});

describe("Worker configuration: ROUTE_RULES, ROLES and POLICIES", () => {
  const base = { DB: {} as GatewayEnv["DB"], ORIGIN_URL: "http://127.0.0.1:8788" };

  test("reads ROUTE_RULES, ROLES and POLICIES (JSON arrays)", () => {
    const config = gatewayConfig({
      ...base,
      ROUTE_RULES: '[{"method":"GET","path":"/admin/*","permission":"admin:read"}]',
      ROLES: '[{"id":"admin","permissions":["*"],"tenantId":null}]',
      POLICIES: '[{"id":"office","effect":"deny","actions":["admin:*"],"condition":{"not":{"ipInCidr":[{"ref":"environment.ip"},"10.0.0.0/8"]}}}]',
    });
    expect(config.routeRules).toEqual([{ method: "GET", path: "/admin/*", permission: "admin:read" }]);
    expect(config.roles).toEqual([{ id: "admin", permissions: ["*"], tenantId: null }]);
    expect(config.policies).toHaveLength(1);
  });

  test("absent or blank means no rules, no roles and no policies", () => {
    expect(gatewayConfig(base)).toMatchObject({ routeRules: [], roles: [], policies: [] });
    expect(gatewayConfig({ ...base, ROUTE_RULES: "  ", ROLES: "", POLICIES: " " })).toMatchObject({ routeRules: [], roles: [], policies: [] });
  });

  test.each([
    [{ ROUTE_RULES: "{not json" }, /ROUTE_RULES/],
    [{ ROUTE_RULES: '{"path":"/admin/*"}' }, /ROUTE_RULES must be a JSON array/],
    [{ ROUTE_RULES: '["/admin/*"]' }, /ROUTE_RULES\[0\]/],
    [{ ROUTE_RULES: "[null]" }, /ROUTE_RULES\[0\]/],
    [{ ROLES: "admin" }, /ROLES must be a JSON array of role definitions/],
    [{ ROLES: '{"id":"admin"}' }, /ROLES must be a JSON array/],
    [{ ROLES: '["admin"]' }, /ROLES\[0\] must be an object/],
    [{ POLICIES: "[" }, /POLICIES must be a JSON array of policy documents/],
    [{ POLICIES: "[[]]" }, /POLICIES\[0\] must be an object/],
    // The stand-in is gone: a deployment still setting it must not silently lose its administrators.
    [{ ADMIN_EMAILS: "boss@example.test" }, /ADMIN_EMAILS is no longer read/],
  ])("rejects %j", (override, message) => {
    expect(() => gatewayConfig({ ...base, ...override })).toThrow(ConfigurationError);
    expect(() => gatewayConfig({ ...base, ...override })).toThrow(message);
  });

  test("a blank ADMIN_EMAILS (the old wrangler.toml default) is ignored", () => {
    expect(() => gatewayConfig({ ...base, ADMIN_EMAILS: " " })).not.toThrow();
  });

  const ADMIN_ROLE = '{"id":"admin","permissions":["*"],"tenantId":null}';
  test.each([
    [{ ROLES: '[{"id":"admin","permissions":["*"]}]' }, /^ROLES: roles\.0\.tenantId/],
    [{ ROLES: '[{"id":"admin","permissions":["adm*:read"],"tenantId":null}]' }, /^ROLES: /],
    [{ ROLES: `[${ADMIN_ROLE},${ADMIN_ROLE}]` }, /^ROLES: .*defined twice/],
    [{ ROLES: '[{"id":"admin","permissions":["*"],"tenantId":null,"permisions":[]}]' }, /^ROLES: /],
    [{ ROLES: `[${ADMIN_ROLE}]`, POLICIES: '[{"id":"p","effect":"maybe","actions":["*"]}]' }, /^POLICIES: /],
    [{ ROLES: `[${ADMIN_ROLE}]`, POLICIES: '[{"id":"p","effect":"deny","actions":["*"],"condition":{"eq":[1]}}]' }, /^POLICIES: /],
    // Both wrong: the roles are reported (they are compiled first).
    [{ ROLES: "[{}]", POLICIES: "[{}]" }, /^ROLES: /],
  ])("the engine's validation names the variable: %j", (override, message) => {
    const config = gatewayConfig({ ...base, ...override });
    const stores = memoryStores();
    expect(() => gatewayAuthorizer(config, stores)).toThrow(ConfigurationError);
    expect(() => gatewayAuthorizer(config, stores)).toThrow(message);
  });

  test("valid ROLES and POLICIES build an authorizer that reads the access store", async () => {
    const stores = memoryStores();
    const authorizer = gatewayAuthorizer(gatewayConfig({ ...base, ROLES: `[${ADMIN_ROLE}]`, POLICIES: "[]" }), stores);
    const subject = { type: "user" as const, id: "u1", tenantId: null };
    expect((await authorizer.authorize(subject, "admin:read")).reason).toBe("default_deny");
    await stores.access.updateAssignments("u1", null, { addRoles: ["admin"] });
    expect((await authorizer.authorize(subject, "admin:read")).allowed).toBe(true);
    expect(stores.audit.events.map((e) => [e.type, e.reason])).toEqual([["authorize", "default_deny"]]);
  });
});
