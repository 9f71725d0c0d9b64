import { describe, expect, test } from "vitest";
import { subjectFrom } from "../../src/authz/subject.js";
import { makeFixture } from "./fixture.js";

async function setup() {
  const f = await makeFixture();
  const root = await f.person("root@acme.test", "acme", ["super"]);
  const admin = await f.person("admin@acme.test", "acme", ["access-admin"]);
  const bob = await f.person("bob@acme.test", "acme");
  const eve = await f.person("eve@globex.test", "globex", ["access-admin"]);
  const loner = await f.person("loner@nowhere.test", null);
  return { ...f, root, admin, bob, eve, loner };
}

const principal = (id: string, tenantId: string | null) => ({ type: "user" as const, id, email: "x@example.com", emailVerified: true, name: null, tenantId });

describe("POST /admin/roles/assign and /unassign", () => {
  test("assigns a role in the caller's tenant, audits it with the actor as userId, and the engine sees it", async () => {
    const { call, admin, bob, authorizer, adminEvents } = await setup();
    expect((await authorizer.authorize(subjectFrom(principal(bob.id, "acme")), "doc:write")).allowed).toBe(false);
    const res = await call("POST", "/roles/assign", { as: admin, body: { principalId: bob.id, roleId: "editor" } });
    expect(res).toEqual({ status: 200, body: { principalId: bob.id, roleId: "editor", tenantId: "acme", changed: true } });
    expect((await authorizer.authorize(subjectFrom(principal(bob.id, "acme")), "doc:write")).allowed).toBe(true);
    expect(adminEvents()).toMatchObject([
      { type: "admin.role_assigned", outcome: "success", userId: admin.id, detail: { principalId: bob.id, roleId: "editor", tenantId: "acme", actorType: "user" } },
    ]);
  });

  test("assigning a held role again is a no-op: changed false, nothing audited", async () => {
    const { call, admin, bob, adminEvents } = await setup();
    await call("POST", "/roles/assign", { as: admin, body: { principalId: bob.id, roleId: "editor" } });
    const again = await call("POST", "/roles/assign", { as: admin, body: { principalId: bob.id, roleId: "editor" } });
    expect(again.body.changed).toBe(false);
    expect(adminEvents()).toHaveLength(1);
  });

  test("unassigns, and a tenant-scoped role defined for the tenant works", async () => {
    const { call, admin, bob, base, adminEvents } = await setup();
    expect((await call("POST", "/roles/assign", { as: admin, body: { principalId: bob.id, roleId: "acme-reader" } })).status).toBe(200);
    const res = await call("POST", "/roles/unassign", { as: admin, body: { principalId: bob.id, roleId: "acme-reader" } });
    expect(res.body).toMatchObject({ changed: true });
    expect((await base.access.assignmentsFor(bob.id, "acme")).roleIds).toEqual([]);
    expect(adminEvents().map((e) => e.type)).toEqual(["admin.role_assigned", "admin.role_unassigned"]);
  });

  test("unauthenticated: 401 unauthenticated, nothing written", async () => {
    const { call, bob, base } = await setup();
    const res = await call("POST", "/roles/assign", { body: { principalId: bob.id, roleId: "editor" } });
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe("unauthenticated");
    expect((await base.access.assignmentsFor(bob.id, "acme")).roleIds).toEqual([]);
  });

  test("without portcullis.role:assign: 403 forbidden, reason default_deny, and the authorizer audited the denial", async () => {
    const { call, bob, person, base } = await setup();
    const carol = await person("carol@acme.test", "acme", ["editor"]);
    const res = await call("POST", "/roles/assign", { as: carol, body: { principalId: bob.id, roleId: "editor" } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "forbidden", reason: "default_deny" });
    expect(base.audit.events.filter((e) => e.type === "authorize")).toMatchObject([
      { outcome: "failure", reason: "default_deny", userId: carol.id, detail: { action: "portcullis.role:assign", resourceType: "portcullis.role", resourceTenantId: "acme" } },
    ]);
    expect((await base.access.assignmentsFor(bob.id, "acme")).roleIds).toEqual([]);
  });

  test("a tenant-A admin cannot act in tenant B: 403 tenant_boundary", async () => {
    const { call, eve, bob, base } = await setup();
    const res = await call("POST", "/roles/assign", { as: eve, body: { principalId: bob.id, roleId: "editor", tenantId: "acme" } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "forbidden", reason: "tenant_boundary" });
    expect((await base.access.assignmentsFor(bob.id, "acme")).roleIds).toEqual([]);
  });

  test("a tenant-bound admin cannot administer principals outside any tenant (tenantId: null)", async () => {
    const { call, admin, loner, base } = await setup();
    const res = await call("POST", "/roles/assign", { as: admin, body: { principalId: loner.id, roleId: "editor", tenantId: null } });
    expect(res.body.error).toMatchObject({ code: "forbidden", reason: "tenant_boundary" });
    expect((await base.access.assignmentsFor(loner.id, null)).roleIds).toEqual([]);
    expect(base.audit.events.filter((e) => e.type === "authorize" && e.reason === "tenant_boundary")).toHaveLength(1);
  });

  test("escalation via role: an admin cannot assign a role with a permission it does not hold", async () => {
    const { call, admin, bob, base } = await setup();
    for (const roleId of ["billing", "super", "key-manager"]) {
      const res = await call("POST", "/roles/assign", { as: admin, body: { principalId: bob.id, roleId } });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: "forbidden", reason: "escalation" });
    }
    expect((await base.access.assignmentsFor(bob.id, "acme")).roleIds).toEqual([]);
    // Not even to itself.
    const self = await call("POST", "/roles/assign", { as: admin, body: { principalId: admin.id, roleId: "super" } });
    expect(self.body.error).toMatchObject({ reason: "escalation", uncovered: ["*"] });
    expect(base.audit.events.filter((e) => e.reason === "escalation")).toHaveLength(4);
  });

  test("escalation via unassign: a junior admin cannot strip a senior's role", async () => {
    const { call, admin, root, base } = await setup();
    const res = await call("POST", "/roles/unassign", { as: admin, body: { principalId: root.id, roleId: "super" } });
    expect(res.body.error).toMatchObject({ code: "forbidden", reason: "escalation" });
    expect((await base.access.assignmentsFor(root.id, "acme")).roleIds).toEqual(["super"]);
  });

  test("a deny grant on the caller blocks handing out what it overlaps", async () => {
    const { call, person, bob } = await setup();
    const limited = await person("limited@acme.test", "acme", ["super"], [{ id: "no-docs-write", permission: "doc:write", effect: "deny" }]);
    const res = await call("POST", "/roles/assign", { as: limited, body: { principalId: bob.id, roleId: "editor" } });
    expect(res.body.error).toMatchObject({ reason: "escalation", uncovered: ["doc:write"] });
    expect((await call("POST", "/roles/assign", { as: limited, body: { principalId: bob.id, roleId: "billing" } })).status).toBe(200);
  });

  test("an unknown role id, or a role defined for another tenant: 400 with a stable reason", async () => {
    const { call, root, bob } = await setup();
    const unknown = await call("POST", "/roles/assign", { as: root, body: { principalId: bob.id, roleId: "no-such-role" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: "invalid_request", reason: "unknown_role", field: "roleId" });
    const other = await call("POST", "/roles/assign", { as: root, body: { principalId: bob.id, roleId: "globex-reader" } });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: "invalid_request", reason: "role_tenant_mismatch" });
  });

  test("an unknown principal: 404 not_found; a principal outside the tenant: 400 not_a_member", async () => {
    const { call, root, eve, loner, base } = await setup();
    const missing = await call("POST", "/roles/assign", { as: root, body: { principalId: "nobody", roleId: "editor" } });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe("not_found");
    for (const outsider of [eve, loner]) {
      const res = await call("POST", "/roles/assign", { as: root, body: { principalId: outsider.id, roleId: "editor" } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_request", reason: "not_a_member" });
      expect((await base.access.assignmentsFor(outsider.id, "acme")).roleIds).toEqual([]);
    }
  });

  test("the body schema rejects unknown fields, an actor id among them; nothing is written", async () => {
    const { call, admin, root, bob, base } = await setup();
    for (const extra of [{ actorId: root.id }, { userId: root.id }, { role: "super" }]) {
      const res = await call("POST", "/roles/assign", { as: admin, body: { principalId: bob.id, roleId: "editor", ...extra } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_request", field: Object.keys(extra)[0] });
    }
    expect((await base.access.assignmentsFor(bob.id, "acme")).roleIds).toEqual([]);
  });

  test("the actor comes from the session only: forwarded identity headers are ignored", async () => {
    const { call, bob, root, person } = await setup();
    const carol = await person("carol@acme.test", "acme");
    const res = await call("POST", "/roles/assign", {
      as: carol,
      headers: { "x-portcullis-user-id": root.id, "x-user-id": root.id },
      body: { principalId: bob.id, roleId: "editor" },
    });
    expect(res.body.error).toMatchObject({ code: "forbidden", reason: "default_deny" });
    // And without a session the headers alone are nobody.
    const anonymous = await call("POST", "/roles/assign", { headers: { "x-portcullis-user-id": root.id }, body: { principalId: bob.id, roleId: "editor" } });
    expect(anonymous.status).toBe(401);
  });

  test("malformed bodies: wrong types, missing fields, not JSON", async () => {
    const { call, admin, bob } = await setup();
    expect((await call("POST", "/roles/assign", { as: admin, body: { principalId: bob.id } })).body.error).toMatchObject({ code: "invalid_request", field: "roleId" });
    expect((await call("POST", "/roles/assign", { as: admin, body: { principalId: 7, roleId: "editor" } })).body.error).toMatchObject({ code: "invalid_request", field: "principalId" });
    expect((await call("POST", "/roles/assign", { as: admin, body: "{not json" })).body.error?.code).toBe("invalid_json");
    expect((await call("GET", "/roles/assign", { as: admin })).status).toBe(405);
  });
});
