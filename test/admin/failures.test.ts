/**
 * Audit by construction and fail-closed stores: a write whose event cannot be written is
 * undone (503 audit_unavailable); a failing store is 503 storage_unavailable; either way
 * nothing is left half-done.
 */
import { describe, expect, test } from "vitest";
import { makeFixture } from "./fixture.js";

async function setup() {
  const f = await makeFixture();
  const root = await f.person("root@acme.test", "acme", ["super"]);
  const bob = await f.person("bob@acme.test", "acme", ["editor"]);
  const loner = await f.person("loner@nowhere.test", null);
  return { ...f, root, bob, loner };
}

describe("a failing audit sink", () => {
  test("role assign and unassign are undone: 503 audit_unavailable with Retry-After", async () => {
    const { call, root, bob, audit, base, auth, prefix } = await setup();
    audit.fail(["write"]);
    const res = await call("POST", "/roles/assign", { as: root, body: { principalId: bob.id, roleId: "billing" } });
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe("audit_unavailable");
    expect((await base.access.assignmentsFor(bob.id, "acme")).roleIds).toEqual(["editor"]);
    const raw = await auth.handle(new Request(`https://app.example${prefix}/roles/unassign`, { method: "POST", headers: { cookie: root.cookie, "content-type": "application/json" }, body: JSON.stringify({ principalId: bob.id, roleId: "editor" }) }));
    expect(raw.status).toBe(503);
    expect(raw.headers.get("retry-after")).toBe("5");
    expect((await base.access.assignmentsFor(bob.id, "acme")).roleIds).toEqual(["editor"]);
  });

  test("grant set (new and replacing) and grant remove are undone", async () => {
    const { call, root, bob, audit, base } = await setup();
    await base.access.updateAssignments(bob.id, "acme", { setGrants: [{ id: "old", permission: "invoice:read", effect: "deny" }] });
    audit.fail(["write"]);
    const body = (grantId: string) => ({ principalId: bob.id, grantId, permission: "doc:read", effect: "allow" });
    expect((await call("POST", "/grants/set", { as: root, body: body("new") })).status).toBe(503);
    expect((await call("POST", "/grants/set", { as: root, body: body("old") })).status).toBe(503);
    expect((await call("POST", "/grants/remove", { as: root, body: { principalId: bob.id, grantId: "old" } })).status).toBe(503);
    expect((await base.access.assignmentsFor(bob.id, "acme")).grants).toEqual([{ id: "old", permission: "invoice:read", effect: "deny" }]);
  });

  test("member add and remove are undone (the removed member gets its roles, grants and join date back)", async () => {
    const { call, root, bob, loner, audit, base } = await setup();
    await base.access.updateAssignments(bob.id, "acme", { setGrants: [{ id: "g", permission: "doc:read", effect: "allow" }] });
    const before = await base.access.membershipsOf(bob.id);
    audit.fail(["write"]);
    expect((await call("POST", "/members/add", { as: root, body: { principalId: loner.id } })).status).toBe(503);
    expect(await base.access.membershipsOf(loner.id)).toEqual([]);
    expect((await call("POST", "/members/remove", { as: root, body: { principalId: bob.id } })).status).toBe(503);
    expect(await base.access.membershipsOf(bob.id)).toEqual(before);
    expect(await base.access.assignmentsFor(bob.id, "acme")).toEqual({ roleIds: ["editor"], grants: [{ id: "g", permission: "doc:read", effect: "allow" }] });
  });

  test("a new service account is deleted, membership included", async () => {
    const { call, root, audit, base } = await setup();
    const created: string[] = [];
    const create = base.users.create.bind(base.users);
    base.users.create = async (user, credentials) => {
      created.push(user.id);
      return create(user, credentials);
    };
    const members = (await base.access.membersOf("acme")).length;
    audit.fail(["write"]);
    expect((await call("POST", "/service-accounts", { as: root, body: { name: "bot" } })).body.error?.code).toBe("audit_unavailable");
    expect(created).toHaveLength(1);
    expect(await base.users.findById(created[0]!)).toBeNull();
    expect((await base.access.membersOf("acme")).length).toBe(members);
  });

  test("a new API key is revoked before anyone sees it", async () => {
    const { call, root, audit, base } = await setup();
    audit.fail(["write"]);
    const res = await call("POST", "/api-keys", { as: root, body: { name: "k", scopes: ["doc:read"] } });
    expect(res.status).toBe(503);
    expect(res.body.key).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain("pk_live_");
    const keys = await base.apiKeys.listByOwner(root.id);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.revokedAt).not.toBeNull();
  });

  test("a revocation is never undone: 503, the key stays revoked, and the retry is audited", async () => {
    const { call, root, audit, base, adminEvents } = await setup();
    const { apiKey } = (await call("POST", "/api-keys", { as: root, body: { name: "k", scopes: [] } })).body as { apiKey: { id: string } };
    audit.fail(["write"]);
    expect((await call("POST", "/api-keys/revoke", { as: root, body: { id: apiKey.id } })).body.error?.code).toBe("audit_unavailable");
    expect((await base.apiKeys.findByLookup(apiKey.id))!.revokedAt).not.toBeNull();
    audit.heal();
    expect((await call("POST", "/api-keys/revoke", { as: root, body: { id: apiKey.id } })).body).toMatchObject({ changed: false });
    expect(adminEvents().at(-1)).toMatchObject({ type: "admin.api_key_revoked", detail: { keyId: apiKey.id, alreadyRevoked: true } });
  });

  test("nothing is audited for the undone writes once the sink is back", async () => {
    const { call, root, bob, audit, adminEvents } = await setup();
    audit.fail(["write"]);
    await call("POST", "/roles/assign", { as: root, body: { principalId: bob.id, roleId: "billing" } });
    audit.heal();
    expect(adminEvents()).toEqual([]);
  });
});

describe("a failing access store", () => {
  test("down entirely: the authorizer cannot decide, 503 storage_unavailable, never allowed", async () => {
    const { call, root, bob, access, base, adminEvents } = await setup();
    access.fail();
    for (const [method, route, body] of [
      ["POST", "/roles/assign", { principalId: bob.id, roleId: "billing" }],
      ["POST", "/grants/set", { principalId: bob.id, grantId: "g", permission: "doc:read", effect: "allow" }],
      ["POST", "/members/add", { principalId: bob.id }],
      ["GET", "/members", undefined],
      ["GET", "/access", undefined],
      ["POST", "/api-keys", { name: "k", scopes: [] }],
    ] as const) {
      const res = await call(method, route, { as: root, body });
      expect(res.status, route).toBe(503);
      expect(res.body.error?.code).toBe("storage_unavailable");
    }
    access.heal();
    expect(await base.access.assignmentsFor(bob.id, "acme")).toEqual({ roleIds: ["editor"], grants: [] });
    expect(await base.apiKeys.listByOwner(root.id)).toEqual([]);
    expect(adminEvents()).toEqual([]);
  });

  test("only the write failing: 503 storage_unavailable, nothing audited as done", async () => {
    const { call, root, bob, access, base, adminEvents } = await setup();
    access.fail(["updateAssignments"]);
    const res = await call("POST", "/roles/assign", { as: root, body: { principalId: bob.id, roleId: "billing" } });
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe("storage_unavailable");
    expect((await base.access.assignmentsFor(bob.id, "acme")).roleIds).toEqual(["editor"]);
    expect(adminEvents()).toEqual([]);
  });

  test("a failing API-key store: 503, no event", async () => {
    const { call, root, base, adminEvents } = await setup();
    const create = base.apiKeys.create.bind(base.apiKeys);
    base.apiKeys.create = async () => {
      const { StorageError } = await import("../../src/core/errors.js");
      throw new StorageError("apiKeys.create failed");
    };
    expect((await call("POST", "/api-keys", { as: root, body: { name: "k", scopes: [] } })).body.error?.code).toBe("storage_unavailable");
    base.apiKeys.create = create;
    expect(adminEvents()).toEqual([]);
  });
});
