/**
 * `authorizerCheck`: gateway route rules decided by the authorization engine. What the engine
 * is asked (subject, action, resource, environment), what the gateway does with its answers
 * (roles and grants from the access store, tenants, API-key scopes, ABAC policies on the
 * request's IP) and with its failures (a failing assignment store fails closed: 503, never a
 * pass). Runs in Node and workerd.
 */
import { describe, expect, test } from "vitest";
import type { Authorizer } from "../../src/authz/authorizer.js";
import type { AuthorizationRequest, Decision } from "../../src/authz/types.js";
import type { AssignmentSource } from "../../src/ports/authorization.js";
import type { ApiKeyPrincipal, UserPrincipal } from "../../src/ports/principal.js";
import type { SessionRecord } from "../../src/ports/session-store.js";
import { authorizerCheck, compileRouteRules, type RouteCheckContext } from "../../src/gateway/index.js";
import { GW, JSON_ACCEPT, routeFixture, signUp, USER_EMAIL } from "./route-fixture.js";

const RULE = { method: "GET", path: "/admin/*", permission: "admin:read" } as const;

/** An authorizer that records what it is asked and answers `decision`. */
function recordingAuthorizer(decision: Partial<Decision> = {}): { authorizer: Pick<Authorizer, "authorize">; asked: AuthorizationRequest[] } {
  const asked: AuthorizationRequest[] = [];
  const authorizer = {
    authorize: (async (request: AuthorizationRequest) => {
      asked.push(request);
      return { allowed: false, reason: "default_deny", matched: [], audited: true, ...decision };
    }) as Authorizer["authorize"],
  };
  return { authorizer, asked };
}

const user: UserPrincipal = { type: "user", id: "u1", email: "a@example.test", emailVerified: true, name: null, tenantId: "acme" };
const key: ApiKeyPrincipal = { type: "api_key", id: "k1", ownerId: "u1", tenantId: "acme", name: "ci", scopes: ["admin:read"] };
const session = { id: "s1", userId: "u1", amr: ["pwd", "otp"], tenantId: "acme" } as unknown as SessionRecord;
const rule = compileRouteRules([{ path: "/docs/:id", permission: "doc:read" }]).rules[0]!;
const context = (s: SessionRecord | null): RouteCheckContext => ({ rule, params: { id: "42" }, session: s });

describe("authorizerCheck: what the engine is asked", () => {
  test("subject from the principal (its tenant), the permission as action, ip from the trusted header, amr from the session", async () => {
    const { authorizer, asked } = recordingAuthorizer({ allowed: true, reason: "allowed" });
    const check = authorizerCheck(authorizer, { ipHeader: "cf-connecting-ip" });
    const request = new Request(`${GW}/docs/42`, { headers: { "cf-connecting-ip": " 203.0.113.9 ", "x-forwarded-for": "10.0.0.1" } });
    expect(await check(user, "doc:read", request, context(session))).toEqual({ allowed: true, reason: "allowed" });
    expect(asked).toHaveLength(1);
    expect(asked[0]!.subject).toMatchObject({ type: "user", id: "u1", tenantId: "acme", email: "a@example.test" });
    expect(asked[0]!.action).toBe("doc:read");
    expect(asked[0]!.resource).toBeNull();
    expect(asked[0]!.environment).toEqual({ ip: "203.0.113.9", amr: ["pwd", "otp"] });
  });

  test("without a trusted header no IP is claimed (a client header is not evidence)", async () => {
    const { authorizer, asked } = recordingAuthorizer();
    const request = new Request(`${GW}/docs/42`, { headers: { "cf-connecting-ip": "10.0.0.1" } });
    await authorizerCheck(authorizer)(user, "doc:read", request, context(session));
    await authorizerCheck(authorizer, { ipHeader: "cf-connecting-ip" })(user, "doc:read", new Request(`${GW}/docs/42`), context(session));
    expect(asked.map((a) => a.environment)).toEqual([{ amr: ["pwd", "otp"] }, { amr: ["pwd", "otp"] }]);
  });

  test("an API key: its tenant and scopes, its owner for assignments, no amr", async () => {
    const { authorizer, asked } = recordingAuthorizer();
    await authorizerCheck(authorizer)(key, "doc:read", new Request(`${GW}/docs/42`), context(null));
    expect(asked[0]!.subject).toMatchObject({ type: "api_key", id: "k1", ownerId: "u1", tenantId: "acme", scopes: ["admin:read"] });
    expect(asked[0]!.environment).toEqual({});
  });

  test("resource and extra environment come from the options (with the route's :params)", async () => {
    const { authorizer, asked } = recordingAuthorizer();
    const check = authorizerCheck(authorizer, {
      resource: async (_request, { params }) => ({ type: "doc", id: params.id ?? null, tenantId: "acme" }),
      environment: () => ({ riskScore: 10 }),
    });
    await check(user, "doc:read", new Request(`${GW}/docs/42`), context(session));
    expect(asked[0]!.resource).toEqual({ type: "doc", id: "42", tenantId: "acme" });
    expect(asked[0]!.environment).toEqual({ amr: ["pwd", "otp"], riskScore: 10 });
  });

  test("the decision's stable reason is passed on; only allowed === true allows", async () => {
    const { authorizer } = recordingAuthorizer({ allowed: "yes" as unknown as boolean, reason: "scope_limit" });
    expect(await authorizerCheck(authorizer)(user, "doc:read", new Request(`${GW}/x`), context(session))).toEqual({ allowed: false, reason: "scope_limit" });
  });
});

describe("authorizerCheck in the gateway (memory access store)", () => {
  test("no role: 403 default_deny; a role written to the access store applies on the next request, same session", async () => {
    const fx = await routeFixture([RULE]);
    const get = (): Promise<Response> => fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: { ...JSON_ACCEPT, ...(fx.as.user as Record<string, string>) } }));
    expect((await get()).status).toBe(403);
    expect(fx.denials.at(-1)!.detail).toBe("default_deny");
    await fx.stores.access.updateAssignments(fx.ids.user, null, { addRoles: ["admin"] });
    expect((await get()).status).toBe(200);
    await fx.stores.access.updateAssignments(fx.ids.user, null, { removeRoles: ["admin"] });
    expect((await get()).status).toBe(403);
  });

  test("a direct grant, and an explicit deny grant that beats the role", async () => {
    const fx = await routeFixture([RULE, { path: "/billing/*", permission: "billing:read" }]);
    const get = (path: string, who: "user" | "admin"): Promise<Response> => fx.gateway.fetch(new Request(`${GW}${path}`, { headers: fx.as[who] }));
    await fx.stores.access.updateAssignments(fx.ids.user, null, { setGrants: [{ id: "g1", permission: "billing:*", effect: "allow" }] });
    expect((await get("/billing/x", "user")).status).toBe(200);
    expect((await get("/admin/x", "user")).status).toBe(403);
    await fx.stores.access.updateAssignments(fx.ids.admin, null, { setGrants: [{ id: "no-admin", permission: "admin:read", effect: "deny" }] });
    expect((await get("/admin/x", "admin")).status).toBe(403);
    expect(fx.denials.at(-1)!.detail).toBe("explicit_deny");
  });

  test("a session acts in its tenant: roles held outside it do not count; the tenant header reaches the origin", async () => {
    const fx = await routeFixture([RULE]);
    await fx.stores.access.addMember({ principalId: fx.ids.user, tenantId: "acme", createdAt: new Date() });
    await fx.stores.access.updateAssignments(fx.ids.user, null, { addRoles: ["admin"] });
    // The tenant is fixed when the session is issued: sign in again after joining.
    const signIn = await fx.gateway.fetch(
      new Request(`${GW}/auth/sign-in`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: USER_EMAIL, password: "correct horse battery", transport: "cookie" }) }),
    );
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.getSetCookie()[0]!.split(";")[0]!;
    const get = (): Promise<Response> => fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: { cookie } }));
    expect((await get()).status).toBe(403);
    await fx.stores.access.updateAssignments(fx.ids.user, "acme", { addRoles: ["admin"] });
    expect((await get()).status).toBe(200);
    expect(fx.seenHeaders.at(-1)!.get("x-portcullis-tenant-id")).toBe("acme");
  });

  test("an API key is bounded by its scopes whatever its owner's role allows, and the key never reaches the origin", async () => {
    const fx = await routeFixture([RULE, { path: "/ops/*", permission: "ops:write" }]);
    const read = await fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: fx.as.adminKey }));
    expect(read.status).toBe(200);
    const headers = fx.seenHeaders.at(-1)!;
    expect(headers.get("authorization")).toBeNull();
    expect(headers.get("x-portcullis-principal-type")).toBe("api_key");
    expect(headers.get("x-portcullis-user-id")).toBe(fx.ids.admin);
    expect((await fx.gateway.fetch(new Request(`${GW}/ops/x`, { headers: fx.as.adminKey }))).status).toBe(403);
    expect(fx.denials.at(-1)!.detail).toBe("scope_limit");
    // Without the owner's role the scope alone allows nothing.
    await fx.stores.access.updateAssignments(fx.ids.admin, null, { removeRoles: ["admin"] });
    expect((await fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: fx.as.adminKey }))).status).toBe(403);
    expect(fx.denials.at(-1)!.detail).toBe("default_deny");
  });

  test("an ABAC policy on a route's permission sees the trusted client IP", async () => {
    const fx = await routeFixture([RULE], {
      ipHeader: "cf-connecting-ip",
      engine: { policies: [{ id: "office-only", effect: "deny", actions: ["admin:*"], condition: { not: { ipInCidr: [{ ref: "environment.ip" }, "10.0.0.0/8"] } } }] },
    });
    const get = (ip: string): Promise<Response> => fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: { ...(fx.as.admin as Record<string, string>), "cf-connecting-ip": ip } }));
    expect((await get("10.1.2.3")).status).toBe(200);
    expect((await get("203.0.113.9")).status).toBe(403);
    expect(fx.denials.at(-1)!.detail).toBe("explicit_deny");
  });

  test("every engine denial is audited twice over: the engine's authorize event and the gateway's route_denied", async () => {
    const fx = await routeFixture([RULE]);
    await fx.gateway.fetch(new Request(`${GW}/admin/x?secret=1`, { headers: fx.as.user }));
    const authorize = fx.stores.audit.events.filter((e) => e.type === "authorize");
    expect(authorize).toHaveLength(1);
    expect(authorize[0]).toMatchObject({ outcome: "failure", reason: "default_deny", userId: fx.ids.user });
    expect(authorize[0]!.detail).toMatchObject({ action: "admin:read", subjectType: "user" });
    expect(fx.denials).toHaveLength(1);
  });

  test("a failing assignment store fails closed: 503 with Retry-After, check_failed, nothing reaches the origin", async () => {
    const broken: AssignmentSource = { consistency: "atomic", assignmentsFor: () => Promise.reject(new Error("D1 unreachable")) };
    const fx = await routeFixture([RULE], { engine: { assignments: broken } });
    for (const who of ["admin", "user", "adminKey"] as const) {
      const response = await fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: fx.as[who] }));
      expect(response.status, who).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("storage_unavailable");
    }
    expect(fx.seen).toHaveLength(0);
    expect(fx.denials.map((d) => [d.reason, d.detail])).toEqual([
      ["check_failed", "StorageError"],
      ["check_failed", "StorageError"],
      ["check_failed", "StorageError"],
    ]);
    // Paths without a rule do not consult the engine: a session is enough there.
    expect((await fx.gateway.fetch(new Request(`${GW}/home`, { headers: fx.as.user }))).status).toBe(200);
  });

  test("a late sign-up holds nothing until someone assigns it a role", async () => {
    const fx = await routeFixture([RULE]);
    const cookie = await signUp(fx.gateway, "late@example.test");
    expect((await fx.gateway.fetch(new Request(`${GW}/admin/x`, { headers: { cookie } }))).status).toBe(403);
  });
});
