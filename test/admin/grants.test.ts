import { describe, expect, test } from "vitest";
import { subjectFrom } from "../../src/authz/subject.js";
import { makeFixture } from "./fixture.js";

async function setup() {
  const f = await makeFixture();
  const root = await f.person("root@acme.test", "acme", ["super"]);
  const admin = await f.person("admin@acme.test", "acme", ["access-admin"]);
  const bob = await f.person("bob@acme.test", "acme");
  const eve = await f.person("eve@globex.test", "globex", ["super"]);
  return { ...f, root, admin, bob, eve };
}

const asUser = (id: string, tenantId: string) => subjectFrom({ type: "user", id, email: "x@example.com", emailVerified: true, name: null, tenantId });

describe("POST /admin/grants/set and /remove", () => {
  test("sets an allow grant, the engine honours it, and it is audited", async () => {
    const { call, admin, bob, authorizer, adminEvents } = await setup();
    const res = await call("POST", "/grants/set", { as: admin, body: { principalId: bob.id, grantId: "docs", permission: "doc:read", effect: "allow" } });
    expect(res).toEqual({ status: 200, body: { principalId: bob.id, tenantId: "acme", grant: { id: "docs", permission: "doc:read", effect: "allow" }, changed: true } });
    expect((await authorizer.authorize(asUser(bob.id, "acme"), "doc:read")).allowed).toBe(true);
    expect(adminEvents()).toMatchObject([{ type: "admin.grant_set", userId: admin.id, detail: { principalId: bob.id, grantId: "docs", permission: "doc:read", effect: "allow", tenantId: "acme" } }]);
  });

  test("replaces a grant by id, and removes it", async () => {
    const { call, admin, bob, base, adminEvents } = await setup();
    await call("POST", "/grants/set", { as: admin, body: { principalId: bob.id, grantId: "docs", permission: "doc:read", effect: "allow" } });
    await call("POST", "/grants/set", { as: admin, body: { principalId: bob.id, grantId: "docs", permission: "doc:write", effect: "deny" } });
    expect((await base.access.assignmentsFor(bob.id, "acme")).grants).toEqual([{ id: "docs", permission: "doc:write", effect: "deny" }]);
    const removed = await call("POST", "/grants/remove", { as: admin, body: { principalId: bob.id, grantId: "docs" } });
    expect(removed.body).toEqual({ principalId: bob.id, tenantId: "acme", grantId: "docs", changed: true });
    expect((await base.access.assignmentsFor(bob.id, "acme")).grants).toEqual([]);
    const again = await call("POST", "/grants/remove", { as: admin, body: { principalId: bob.id, grantId: "docs" } });
    expect(again.body.changed).toBe(false);
    expect(adminEvents().map((e) => e.type)).toEqual(["admin.grant_set", "admin.grant_set", "admin.grant_removed"]);
  });

  test("escalation via grant: an admin cannot grant (or deny) a permission it does not hold", async () => {
    const { call, admin, bob, base } = await setup();
    for (const [permission, effect] of [["invoice:refund", "allow"], ["*", "allow"], ["doc:*", "allow"], ["portcullis.api_key:manage", "allow"], ["invoice:*", "deny"]] as const) {
      const res = await call("POST", "/grants/set", { as: admin, body: { principalId: bob.id, grantId: "g", permission, effect } });
      if (permission === "doc:*") {
        expect(res.status).toBe(200); // held: access-admin has doc:*
        continue;
      }
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: "forbidden", reason: "escalation", uncovered: [permission] });
    }
    expect((await base.access.assignmentsFor(bob.id, "acme")).grants).toEqual([{ id: "g", permission: "doc:*", effect: "allow" }]);
  });

  test("replacing or removing a grant the caller does not cover is escalation too (lifting a deny)", async () => {
    const { call, admin, root, bob, base } = await setup();
    expect((await call("POST", "/grants/set", { as: root, body: { principalId: bob.id, grantId: "no-refunds", permission: "invoice:refund", effect: "deny" } })).status).toBe(200);
    const replace = await call("POST", "/grants/set", { as: admin, body: { principalId: bob.id, grantId: "no-refunds", permission: "doc:read", effect: "allow" } });
    expect(replace.body.error).toMatchObject({ reason: "escalation", uncovered: ["invoice:refund"] });
    const remove = await call("POST", "/grants/remove", { as: admin, body: { principalId: bob.id, grantId: "no-refunds" } });
    expect(remove.body.error).toMatchObject({ reason: "escalation", uncovered: ["invoice:refund"] });
    expect((await base.access.assignmentsFor(bob.id, "acme")).grants).toEqual([{ id: "no-refunds", permission: "invoice:refund", effect: "deny" }]);
  });

  test("an invalid permission pattern: 400 invalid_request naming the field", async () => {
    const { call, root, bob } = await setup();
    for (const permission of ["do*:read", "doc", "doc:read:x", "", "a".repeat(65) + ":read"]) {
      const res = await call("POST", "/grants/set", { as: root, body: { principalId: bob.id, grantId: "g", permission, effect: "allow" } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_request", field: "permission" });
    }
    const effect = await call("POST", "/grants/set", { as: root, body: { principalId: bob.id, grantId: "g", permission: "doc:read", effect: "maybe" } });
    expect(effect.body.error).toMatchObject({ code: "invalid_request", field: "effect" });
    const id = await call("POST", "/grants/set", { as: root, body: { principalId: bob.id, grantId: "has space", permission: "doc:read", effect: "allow" } });
    expect(id.body.error).toMatchObject({ code: "invalid_request", field: "grantId" });
  });

  test("cross-tenant, not a member, unknown principal, unknown fields", async () => {
    const { call, root, eve, bob, base } = await setup();
    const cross = await call("POST", "/grants/set", { as: eve, body: { principalId: bob.id, grantId: "g", permission: "doc:read", effect: "allow", tenantId: "acme" } });
    expect(cross.body.error).toMatchObject({ code: "forbidden", reason: "tenant_boundary" });
    const outsider = await call("POST", "/grants/set", { as: root, body: { principalId: eve.id, grantId: "g", permission: "doc:read", effect: "allow" } });
    expect(outsider.body.error).toMatchObject({ code: "invalid_request", reason: "not_a_member" });
    const missing = await call("POST", "/grants/set", { as: root, body: { principalId: "nobody", grantId: "g", permission: "doc:read", effect: "allow" } });
    expect(missing.status).toBe(404);
    const extra = await call("POST", "/grants/set", { as: root, body: { principalId: bob.id, grantId: "g", permission: "doc:read", effect: "allow", actorId: root.id } });
    expect(extra.body.error).toMatchObject({ code: "invalid_request", field: "actorId" });
    expect((await base.access.assignmentsFor(bob.id, "acme")).grants).toEqual([]);
    expect((await base.access.assignmentsFor(eve.id, "acme")).grants).toEqual([]);
  });

  test("without the permission: 403; unauthenticated: 401", async () => {
    const { call, bob, person } = await setup();
    const carol = await person("carol@acme.test", "acme", ["editor"]);
    expect((await call("POST", "/grants/remove", { as: carol, body: { principalId: bob.id, grantId: "g" } })).body.error).toMatchObject({ code: "forbidden", reason: "default_deny" });
    expect((await call("POST", "/grants/set", { body: { principalId: bob.id, grantId: "g", permission: "doc:read", effect: "allow" } })).status).toBe(401);
  });
});

describe("GET /admin/access", () => {
  test("roles, grants and the membership of a principal in the caller's tenant", async () => {
    const { call, admin, bob, base } = await setup();
    await base.access.updateAssignments(bob.id, "acme", { addRoles: ["editor"], setGrants: [{ id: "g", permission: "doc:read", effect: "deny" }] });
    await base.access.addMember({ principalId: bob.id, tenantId: "globex", createdAt: new Date("2026-03-02T00:00:00Z") });
    const res = await call("GET", "/access", { as: admin, query: { principalId: bob.id } });
    expect(res).toEqual({
      status: 200,
      body: {
        principalId: bob.id,
        tenantId: "acme",
        roleIds: ["editor"],
        grants: [{ id: "g", permission: "doc:read", effect: "deny" }],
        // Only the caller's tenant: where else bob belongs is not acme's business.
        memberships: [{ principalId: bob.id, tenantId: "acme", createdAt: "2026-03-01T12:00:00.000Z" }],
      },
    });
  });

  test("defaults to the caller; needs portcullis.access:read; hides non-members and other tenants", async () => {
    const { call, admin, bob, eve, person } = await setup();
    expect((await call("GET", "/access", { as: admin })).body).toMatchObject({ principalId: admin.id, roleIds: ["access-admin"] });
    const carol = await person("carol@acme.test", "acme", ["editor"]);
    expect((await call("GET", "/access", { as: carol, query: { principalId: bob.id } })).body.error).toMatchObject({ code: "forbidden", reason: "default_deny" });
    expect((await call("GET", "/access", { as: admin, query: { principalId: eve.id } })).status).toBe(404);
    expect((await call("GET", "/access", { as: admin, query: { principalId: "nobody" } })).status).toBe(404);
    expect((await call("GET", "/access", { as: eve, query: { principalId: bob.id, tenantId: "acme" } })).body.error).toMatchObject({ reason: "tenant_boundary" });
    expect((await call("GET", "/access", { query: { principalId: bob.id } })).status).toBe(401);
  });

  test("unknown or repeated query parameters are refused", async () => {
    const { call, admin, bob, prefix, auth } = await setup();
    expect((await call("GET", "/access", { as: admin, query: { principalId: bob.id, actorId: admin.id } })).body.error).toMatchObject({ code: "invalid_request", field: "actorId" });
    const twice = await auth.handle(new Request(`https://app.example${prefix}/access?principalId=${bob.id}&principalId=${admin.id}`, { headers: { cookie: admin.cookie } }));
    expect(twice.status).toBe(400);
  });
});
