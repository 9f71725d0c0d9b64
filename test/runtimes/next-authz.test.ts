/**
 * The Next.js authorization helpers (src/runtimes/next.ts): `withPermission` wraps a route
 * handler, `requirePermission` is a guard for middleware chains. Plain Web types, no Next
 * server (see next.test.ts); the route context stands in for Next's `{ params }`.
 */
import { describe, expect, test } from "vitest";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import { memoryAssignments } from "../../src/authz/memory-assignments.js";
import { subjectFrom } from "../../src/authz/subject.js";
import { ConfigurationError } from "../../src/core/errors.js";
import type { AssignmentSource } from "../../src/ports/authorization.js";
import { requirePermission, withPermission, type PermissionContext } from "../../src/runtimes/next.js";
import { errorCode, makeHarness, request, signUp } from "../helpers/harness.js";
import { recordingAudit } from "../authz/helpers.js";

const ROLES = [{ id: "viewer", permissions: ["doc:read"], tenantId: null }];
type RouteContext = { params: Promise<{ id: string }> };
const route = (id: string): RouteContext => ({ params: Promise.resolve({ id }) });
const TENANT_OF: Record<string, string> = { d1: "acme", d9: "globex" };

async function setup(assignments?: AssignmentSource) {
  const harness = makeHarness();
  const { response, cookie } = await signUp(harness.auth);
  const userId = ((await response.json()) as { user: { id: string } }).user.id;
  const recorded = recordingAudit();
  const authorizer = createAuthorizer({
    audit: recorded.audit,
    roles: ROLES,
    assignments: assignments ?? memoryAssignments([{ subjectId: userId, tenantId: "acme", roleIds: ["viewer"] }]),
  });
  const seen: PermissionContext[] = [];
  const options = {
    subject: (principal: Parameters<typeof subjectFrom>[0]) => subjectFrom(principal, { tenantId: "acme" }),
    resource: async (_: Request, ctx: RouteContext | undefined) => {
      const id = (await ctx!.params).id;
      return { type: "doc", id, tenantId: TENANT_OF[id] ?? null };
    },
  };
  const handler = async (_: Request, context: PermissionContext, ctx: RouteContext | undefined): Promise<Response> => {
    seen.push(context);
    return Response.json({ id: (await ctx!.params).id });
  };
  return {
    auth: harness.auth,
    authorizer,
    cookie,
    userId,
    seen,
    audit: recorded,
    GET: withPermission<RouteContext>(harness.auth, authorizer, "doc:read", handler, options),
    PUT: withPermission<RouteContext>(harness.auth, authorizer, "doc:write", handler, options),
  };
}

describe("portcullis/next withPermission", () => {
  test("401 without a session; the handler never runs", async () => {
    const { GET, seen } = await setup();
    const response = await GET(request("/api/docs/d1"), route("d1"));
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe("unauthenticated");
    expect(seen).toHaveLength(0);
  });

  test("allowed: the handler runs with the principal, the subject and the decision", async () => {
    const { GET, cookie, userId, seen } = await setup();
    const response = await GET(request("/api/docs/d1", { cookie }), route("d1"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: "d1" });
    expect(seen[0]!.principal.id).toBe(userId);
    expect(seen[0]!.subject).toMatchObject({ id: userId, tenantId: "acme" });
    expect(seen[0]!.decision).toMatchObject({ allowed: true, reason: "allowed" });
  });

  test("403 with the reason: no permission, another tenant; both audited", async () => {
    const { GET, PUT, cookie, audit } = await setup();
    const write = await PUT(request("/api/docs/d1", { cookie, method: "PUT" }), route("d1"));
    expect(write.status).toBe(403);
    expect(await write.json()).toEqual({ error: { code: "forbidden", message: "permission denied", reason: "default_deny" } });
    const other = await GET(request("/api/docs/d9", { cookie }), route("d9"));
    expect(((await other.json()) as { error: { reason: string } }).error.reason).toBe("tenant_boundary");
    expect(audit.records.map((r) => r.reason)).toEqual(["default_deny", "tenant_boundary"]);
  });

  test("a failing store is 503, never the handler", async () => {
    const broken: AssignmentSource = { consistency: "atomic", assignmentsFor: () => Promise.reject(new Error("down")) };
    const { GET, cookie, seen } = await setup(broken);
    const response = await GET(request("/api/docs/d1", { cookie }), route("d1"));
    expect(response.status).toBe(503);
    expect(seen).toHaveLength(0);
  });

  test("an error thrown by the resource loader is an error response, not an allow", async () => {
    const { auth, authorizer, cookie } = await setup();
    const handler = withPermission(auth, authorizer, "doc:read", () => new Response("secret"), {
      resource: () => {
        throw new Error("db exploded");
      },
    });
    const response = await handler(request("/api/docs/d1", { cookie }));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("secret");
  });
});

describe("portcullis/next requirePermission (guard)", () => {
  test("undefined means continue; a Response is the answer", async () => {
    const { auth, authorizer, cookie } = await setup();
    const canRead = requirePermission(auth, authorizer, "doc:read", { subject: (p) => subjectFrom(p, { tenantId: "acme" }) });
    const canDelete = requirePermission(auth, authorizer, "doc:delete", { subject: (p) => subjectFrom(p, { tenantId: "acme" }) });
    expect(await canRead(request("/dashboard", { cookie }))).toBeUndefined();
    expect((await canDelete(request("/dashboard", { cookie })))!.status).toBe(403);
    expect((await canRead(request("/dashboard")))!.status).toBe(401);
  });

  test("permissions are validated at start-up", () => {
    const harness = makeHarness();
    const authorizer = createAuthorizer({ audit: async () => undefined });
    expect(() => requirePermission(harness.auth, authorizer, "doc:*")).toThrow(ConfigurationError);
    expect(() => withPermission(harness.auth, authorizer, "do*:read", () => new Response())).toThrow(ConfigurationError);
  });
});
