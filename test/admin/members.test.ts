import { describe, expect, test } from "vitest";
import { makeFixture } from "./fixture.js";

async function setup() {
  const f = await makeFixture();
  const root = await f.person("root@acme.test", "acme", ["super"]);
  const admin = await f.person("admin@acme.test", "acme", ["access-admin"]);
  const bob = await f.person("bob@acme.test", "acme");
  const eve = await f.person("eve@globex.test", "globex", ["super"]);
  const loner = await f.person("loner@nowhere.test", null);
  return { ...f, root, admin, bob, eve, loner };
}

describe("members", () => {
  test("GET /members lists the caller's tenant", async () => {
    const { call, admin, root, bob } = await setup();
    const res = await call("GET", "/members", { as: admin });
    expect(res.status).toBe(200);
    expect(res.body.tenantId).toBe("acme");
    expect((res.body.members as { principalId: string }[]).map((m) => m.principalId).sort()).toEqual([root.id, admin.id, bob.id].sort());
  });

  test("POST /members/add joins a principal to the tenant; again is a no-op", async () => {
    const { call, admin, loner, base, adminEvents } = await setup();
    const res = await call("POST", "/members/add", { as: admin, body: { principalId: loner.id } });
    expect(res.body).toEqual({ principalId: loner.id, tenantId: "acme", changed: true });
    expect((await base.access.membershipsOf(loner.id)).map((m) => m.tenantId)).toEqual(["acme"]);
    expect((await call("POST", "/members/add", { as: admin, body: { principalId: loner.id } })).body.changed).toBe(false);
    expect(adminEvents()).toMatchObject([{ type: "admin.member_added", userId: admin.id, detail: { principalId: loner.id, tenantId: "acme" } }]);
  });

  test("POST /members/remove removes the membership and what was held there", async () => {
    const { call, admin, bob, base, adminEvents } = await setup();
    await base.access.updateAssignments(bob.id, "acme", { addRoles: ["editor"] });
    const res = await call("POST", "/members/remove", { as: admin, body: { principalId: bob.id } });
    expect(res.body).toEqual({ principalId: bob.id, tenantId: "acme", changed: true });
    expect(await base.access.membershipsOf(bob.id)).toEqual([]);
    expect((await base.access.assignmentsFor(bob.id, "acme")).roleIds).toEqual([]);
    expect(adminEvents().map((e) => e.type)).toEqual(["admin.member_removed"]);
  });

  test("removing a member whose roles the caller does not cover is escalation", async () => {
    const { call, admin, root, base } = await setup();
    const res = await call("POST", "/members/remove", { as: admin, body: { principalId: root.id } });
    expect(res.body.error).toMatchObject({ code: "forbidden", reason: "escalation", uncovered: ["*"] });
    expect((await base.access.membershipsOf(root.id)).map((m) => m.tenantId)).toEqual(["acme"]);
  });

  test("cross-tenant: globex's admin can neither list nor change acme", async () => {
    const { call, eve, bob, loner, base } = await setup();
    expect((await call("GET", "/members", { as: eve, query: { tenantId: "acme" } })).body.error).toMatchObject({ reason: "tenant_boundary" });
    expect((await call("POST", "/members/add", { as: eve, body: { principalId: loner.id, tenantId: "acme" } })).body.error).toMatchObject({ reason: "tenant_boundary" });
    expect((await call("POST", "/members/remove", { as: eve, body: { principalId: bob.id, tenantId: "acme" } })).body.error).toMatchObject({ reason: "tenant_boundary" });
    expect(await base.access.membershipsOf(loner.id)).toEqual([]);
    expect((await base.access.membershipsOf(bob.id)).map((m) => m.tenantId)).toEqual(["acme"]);
  });

  test("a membership needs a tenant: 400 tenant_required for a caller outside any tenant", async () => {
    const { call, loner, base } = await setup();
    await base.access.updateAssignments(loner.id, null, { addRoles: ["super"] });
    const res = await call("POST", "/members/add", { as: loner, body: { principalId: loner.id } });
    expect(res.body.error).toMatchObject({ code: "invalid_request", reason: "tenant_required" });
    expect((await call("GET", "/members", { as: loner })).body.error).toMatchObject({ reason: "tenant_required" });
  });

  test("negative: unauthenticated, no permission, unknown principal, unknown fields", async () => {
    const { call, bob, loner, root, person } = await setup();
    const carol = await person("carol@acme.test", "acme", ["editor"]);
    expect((await call("GET", "/members")).status).toBe(401);
    expect((await call("GET", "/members", { as: carol })).body.error).toMatchObject({ reason: "default_deny" });
    expect((await call("POST", "/members/add", { as: carol, body: { principalId: loner.id } })).body.error).toMatchObject({ reason: "default_deny" });
    expect((await call("POST", "/members/add", { as: root, body: { principalId: "nobody" } })).status).toBe(404);
    expect((await call("POST", "/members/remove", { as: root, body: { principalId: bob.id, userId: root.id } })).body.error).toMatchObject({ field: "userId" });
  });
});
