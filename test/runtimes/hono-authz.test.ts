import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import { createAuthorizer, type AuthorizerOptions } from "../../src/authz/authorizer.js";
import { memoryAssignments, type MemoryAssignments } from "../../src/authz/memory-assignments.js";
import { subjectFrom } from "../../src/authz/subject.js";
import { ConfigurationError } from "../../src/core/errors.js";
import type { AssignmentSource } from "../../src/ports/authorization.js";
import { authorization, portcullis, requirePermission, type PortcullisAuthzEnv } from "../../src/runtimes/hono.js";
import { errorCode, makeHarness, request, signUp } from "../helpers/harness.js";
import { recordingAudit } from "../authz/helpers.js";

const ROLES = [
  { id: "editor", permissions: ["doc:*"], tenantId: null },
  { id: "viewer", permissions: ["doc:read"], tenantId: null },
];

/** Documents by id, each in a tenant; the route's resource is looked up from the path. */
const DOCS: Record<string, { tenantId: string; ownerId: string }> = { d1: { tenantId: "acme", ownerId: "x" }, d9: { tenantId: "globex", ownerId: "x" } };

async function setup(options: { assignments?: AssignmentSource; authz?: Partial<AuthorizerOptions>; wire?: "full" | "no-authorization" } = {}) {
  const harness = makeHarness();
  const { response, cookie } = await signUp(harness.auth);
  const userId = ((await response.json()) as { user: { id: string } }).user.id;
  const assignments: AssignmentSource & Partial<MemoryAssignments> = options.assignments ?? memoryAssignments([{ subjectId: userId, tenantId: "acme", roleIds: ["viewer"] }]);
  const recorded = recordingAudit();
  const authorizer = createAuthorizer({ audit: recorded.audit, roles: ROLES, assignments, ...options.authz });

  const app = new Hono<PortcullisAuthzEnv>();
  app.use("/api/*", portcullis(harness.auth));
  if (options.wire !== "no-authorization") {
    app.use("/api/*", authorization(authorizer, { subject: (principal) => subjectFrom(principal, { tenantId: "acme" }), ipHeader: "cf-connecting-ip" }));
  }
  const docResource = (c: { req: { param(name: string): string } }) => {
    const id = c.req.param("id");
    const doc = DOCS[id];
    return doc === undefined ? null : { type: "doc", id, tenantId: doc.tenantId, attributes: { ownerId: doc.ownerId } };
  };
  app.get("/api/docs/:id", requirePermission("doc:read", { resource: docResource }), (c) => c.json({ id: c.req.param("id"), decision: c.get("decision") }));
  app.put("/api/docs/:id", requirePermission("doc:write", { resource: docResource }), (c) => c.json({ ok: true }));
  app.get("/api/reports", requirePermission("report:read"), (c) => c.json({ ok: true }));
  return { app, cookie, userId, assignments, audit: recorded };
}

describe("portcullis/hono requirePermission", () => {
  test("401 without a session, before any authorization", async () => {
    const { app, audit } = await setup();
    const response = await app.request(request("/api/docs/d1"));
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe("unauthenticated");
    expect(audit.records).toHaveLength(0);
  });

  test("allowed: the handler runs and sees the decision", async () => {
    const { app, cookie } = await setup();
    const response = await app.request(request("/api/docs/d1", { cookie }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      id: "d1",
      decision: { allowed: true, reason: "allowed", matched: [{ kind: "role", id: "viewer", permission: "doc:read", effect: "allow" }], audited: false },
    });
  });

  test("403 forbidden with the decision reason, and the denial audited", async () => {
    const { app, cookie, userId, audit } = await setup();
    const write = await app.request(request("/api/docs/d1", { cookie, method: "PUT" }));
    expect(write.status).toBe(403);
    expect(await write.json()).toEqual({ error: { code: "forbidden", message: "permission denied", reason: "default_deny" } });
    expect(write.headers.get("cache-control")).toBe("no-store");

    const crossTenant = await app.request(request("/api/docs/d9", { cookie }));
    expect(crossTenant.status).toBe(403);
    expect(((await crossTenant.json()) as { error: { reason: string } }).error.reason).toBe("tenant_boundary");

    expect(audit.records).toMatchObject([
      { type: "authorize", outcome: "failure", reason: "default_deny", userId, detail: { action: "doc:write", resourceType: "doc", resourceId: "d1", resourceTenantId: "acme" } },
      { type: "authorize", outcome: "failure", reason: "tenant_boundary", userId, detail: { action: "doc:read", resourceId: "d9", resourceTenantId: "globex" } },
    ]);
  });

  test("a route without a resource checks the permission alone", async () => {
    const { app, cookie, assignments, userId } = await setup();
    expect((await app.request(request("/api/reports", { cookie }))).status).toBe(403);
    assignments.assign!({ subjectId: userId, tenantId: "acme", roleIds: ["viewer"], grants: [{ permission: "report:*", effect: "allow" }] });
    expect((await app.request(request("/api/reports", { cookie }))).status).toBe(200);
  });

  test("the environment carries the trusted client IP and the session's amr", async () => {
    const { app, cookie } = await setup({
      authz: {
        policies: [
          { id: "office-only", effect: "deny", actions: ["doc:*"], condition: { not: { ipInCidr: [{ ref: "environment.ip" }, "10.0.0.0/8"] } } },
          { id: "password-session", effect: "allow", actions: ["report:read"], condition: { in: ["pwd", { ref: "environment.amr" }] } },
        ],
      },
    });
    expect((await app.request(request("/api/docs/d1", { cookie, headers: { "cf-connecting-ip": "10.1.2.3" } }))).status).toBe(200);
    const outside = await app.request(request("/api/docs/d1", { cookie, headers: { "cf-connecting-ip": "203.0.113.7" } }));
    expect(outside.status).toBe(403);
    expect(((await outside.json()) as { error: { reason: string } }).error.reason).toBe("explicit_deny");
    expect((await app.request(request("/api/docs/d1", { cookie }))).status).toBe(403); // no IP: not in the office range
    expect((await app.request(request("/api/reports", { cookie }))).status).toBe(200); // signed in with a password
  });

  test("a failing assignment source is 503, never allowed", async () => {
    const broken: AssignmentSource = { consistency: "atomic", assignmentsFor: () => Promise.reject(new Error("down")) };
    const { app, cookie } = await setup({ assignments: broken });
    const response = await app.request(request("/api/docs/d1", { cookie }));
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe("storage_unavailable");
  });

  test("a failing policy evaluator is 403 evaluator_error", async () => {
    const { app, cookie } = await setup({ authz: { evaluator: { evaluate: () => Promise.reject(new Error("down")) } } });
    const response = await app.request(request("/api/docs/d1", { cookie }));
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { reason: string } }).error.reason).toBe("evaluator_error");
  });

  test("forgetting authorization(authorizer) fails closed (500), never open", async () => {
    const { app, cookie } = await setup({ wire: "no-authorization" });
    const response = await app.request(request("/api/docs/d1", { cookie }));
    expect(response.status).toBe(500);
    expect(await errorCode(response)).toBe("internal_error");
  });

  test("a wildcard or malformed permission is a ConfigurationError at start-up", () => {
    for (const permission of ["doc:*", "*", "do*:read", "doc"]) expect(() => requirePermission(permission)).toThrow(ConfigurationError);
  });
});
