import { describe, expect, test } from "vitest";
import { normalizeEmail } from "../../src/core/email.js";
import { request } from "../helpers/harness.js";
import { makeFixture } from "./fixture.js";

async function setup() {
  const f = await makeFixture();
  const admin = await f.person("admin@acme.test", "acme", ["sa-creator"]);
  const bob = await f.person("bob@acme.test", "acme", ["editor"]);
  const eve = await f.person("eve@globex.test", "globex", ["super"]);
  return { ...f, admin, bob, eve };
}

type Created = { id: string; kind: string; name: string; identifier: string; tenantId: string | null };

describe("POST /admin/service-accounts", () => {
  test("201: a kind service user with no credential, an undeliverable identifier, joined to the tenant, audited", async () => {
    const { call, admin, base, adminEvents } = await setup();
    const res = await call("POST", "/service-accounts", { as: admin, body: { name: "CI Deploys (prod)" } });
    expect(res.status).toBe(201);
    const created = res.body as unknown as Created;
    expect(created).toMatchObject({ kind: "service", name: "CI Deploys (prod)", tenantId: "acme" });
    expect(created.identifier).toMatch(/^ci-deploys-prod-[0-9a-f]{16}@service\.invalid$/);
    expect(normalizeEmail(created.identifier)).toBe(created.identifier);
    expect(await base.users.findById(created.id)).toMatchObject({ kind: "service", email: created.identifier, emailVerified: false });
    expect(await base.credentials.listByUser(created.id)).toEqual([]);
    expect((await base.access.membershipsOf(created.id)).map((m) => m.tenantId)).toEqual(["acme"]);
    expect(adminEvents()).toMatchObject([{ type: "admin.service_account_created", userId: admin.id, detail: { principalId: created.id, identifier: created.identifier, tenantId: "acme" } }]);
  });

  test("it can never sign in", async () => {
    const { call, admin, auth } = await setup();
    const created = (await call("POST", "/service-accounts", { as: admin, body: { name: "bot" } })).body as unknown as Created;
    const res = await auth.handle(request("/auth/sign-in", { body: { email: created.identifier, password: "anything at all" } }));
    expect(res.status).toBe(401);
  });

  test("a name that slugs to nothing still gets an identifier; identifiers never repeat", async () => {
    const { call, admin } = await setup();
    const a = (await call("POST", "/service-accounts", { as: admin, body: { name: "日本語" } })).body as unknown as Created;
    const b = (await call("POST", "/service-accounts", { as: admin, body: { name: "日本語" } })).body as unknown as Created;
    expect(a.identifier).toMatch(/^service-[0-9a-f]{16}@service\.invalid$/);
    expect(a.identifier).not.toBe(b.identifier);
  });

  test("negative: unauthenticated, no permission, cross-tenant, outside any tenant, unknown fields, empty name", async () => {
    const { call, admin, bob, eve, base } = await setup();
    const before = (await base.access.membersOf("acme")).length;
    expect((await call("POST", "/service-accounts", { body: { name: "bot" } })).status).toBe(401);
    expect((await call("POST", "/service-accounts", { as: bob, body: { name: "bot" } })).body.error).toMatchObject({ code: "forbidden", reason: "default_deny" });
    expect((await call("POST", "/service-accounts", { as: eve, body: { name: "bot", tenantId: "acme" } })).body.error).toMatchObject({ reason: "tenant_boundary" });
    expect((await call("POST", "/service-accounts", { as: admin, body: { name: "bot", tenantId: null } })).body.error).toMatchObject({ reason: "tenant_boundary" });
    expect((await call("POST", "/service-accounts", { as: admin, body: { name: "bot", kind: "user" } })).body.error).toMatchObject({ code: "invalid_request", field: "kind" });
    expect((await call("POST", "/service-accounts", { as: admin, body: { name: "bot", email: "ceo@acme.test" } })).body.error).toMatchObject({ field: "email" });
    expect((await call("POST", "/service-accounts", { as: admin, body: { name: "   " } })).body.error).toMatchObject({ field: "name" });
    expect((await base.access.membersOf("acme")).length).toBe(before);
  });

  test("if joining the tenant fails, the account is deleted: 503, nothing half-written", async () => {
    const { call, admin, access, base, adminEvents } = await setup();
    let created: string | null = null;
    const create = base.users.create.bind(base.users);
    base.users.create = async (user, credentials) => {
      created = user.id;
      return create(user, credentials);
    };
    access.fail(["addMember"]);
    const res = await call("POST", "/service-accounts", { as: admin, body: { name: "bot" } });
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe("storage_unavailable");
    expect(created).not.toBeNull();
    expect(await base.users.findById(created!)).toBeNull();
    expect(adminEvents()).toEqual([]);
  });
});
