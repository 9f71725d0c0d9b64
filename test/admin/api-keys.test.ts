import { describe, expect, test } from "vitest";
import { subjectFrom } from "../../src/authz/subject.js";
import { parseApiKey } from "../../src/credentials/api-key.js";
import { request, START } from "../helpers/harness.js";
import { makeFixture } from "./fixture.js";

const DAY = 86_400_000;

async function setup() {
  const f = await makeFixture();
  const bob = await f.person("bob@acme.test", "acme", ["key-user", "editor"]);
  const carol = await f.person("carol@acme.test", "acme", ["key-user"]);
  const manager = await f.person("manager@acme.test", "acme", ["key-manager"]);
  const eve = await f.person("eve@globex.test", "globex", ["super"]);
  return { ...f, bob, carol, manager, eve };
}

type KeyView = { id: string; prefix: string; ownerId: string; tenantId: string | null; scopes: string[]; expiresAt: string | null; revokedAt: string | null };
type Minted = { key: string; apiKey: KeyView };

describe("POST /admin/api-keys (own keys)", () => {
  test("201 with the key once and its public record; expires in 90 days by default; never the hash", async () => {
    const { call, bob, base, adminEvents } = await setup();
    const res = await call("POST", "/api-keys", { as: bob, body: { name: "CI", scopes: ["doc:read"] } });
    expect(res.status).toBe(201);
    const { key, apiKey } = res.body as unknown as Minted;
    const parsed = parseApiKey(key)!;
    expect(parsed.env).toBe("live");
    expect(apiKey).toEqual({
      id: parsed.lookupId,
      prefix: parsed.prefix,
      name: "CI",
      ownerId: bob.id,
      tenantId: "acme",
      scopes: ["doc:read"],
      createdAt: START,
      expiresAt: new Date(Date.parse(START) + 90 * DAY).toISOString(),
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(JSON.stringify(res.body)).not.toContain("secretHash");
    // The secret is nowhere but in that one answer: not in audit events, not in listings.
    expect(adminEvents()).toMatchObject([{ type: "admin.api_key_created", userId: bob.id, detail: { keyId: parsed.lookupId, ownerId: bob.id, tenantId: "acme", scopes: "doc:read" } }]);
    expect(JSON.stringify(base.audit.events)).not.toContain(parsed.secret);
    const list = await call("GET", "/api-keys", { as: bob });
    expect(list.body).toEqual({ ownerId: bob.id, apiKeys: [apiKey] });
    expect(JSON.stringify(list.body)).not.toContain(parsed.secret);
    expect(JSON.stringify(list.body)).not.toContain("secretHash");
  });

  test("lifetime is bounded (60 s to 1 year); environment test gives pk_test_", async () => {
    const { call, bob } = await setup();
    for (const expiresInSeconds of [0, 59, 365 * 86_400 + 1, 1.5, -1]) {
      expect((await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: [], expiresInSeconds } })).body.error).toMatchObject({ code: "invalid_request", field: "expiresInSeconds" });
    }
    expect((await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: [], expiresInSeconds: null } })).status).toBe(400);
    const res = await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: [], expiresInSeconds: 3600, environment: "test" } });
    const { key, apiKey } = res.body as unknown as Minted;
    expect(key.startsWith("pk_test_")).toBe(true);
    expect(apiKey.expiresAt).toBe(new Date(Date.parse(START) + 3_600_000).toISOString());
  });

  test("invalid scopes, too many scopes, unknown fields: 400, nothing created", async () => {
    const { call, bob, base } = await setup();
    expect((await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: ["doc:read", "do*:read"] } })).body.error).toMatchObject({ field: "scopes.1" });
    expect((await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: Array.from({ length: 65 }, (_, i) => `doc:r${i}`) } })).body.error).toMatchObject({ field: "scopes" });
    expect((await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: [], userId: "someone" } })).body.error).toMatchObject({ field: "userId" });
    expect((await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: [], secretHash: "x" } })).body.error).toMatchObject({ field: "secretHash" });
    expect(await base.apiKeys.listByOwner(bob.id)).toEqual([]);
  });

  test("unauthenticated: 401; without portcullis.api_key:create: 403", async () => {
    const { call, person } = await setup();
    expect((await call("POST", "/api-keys", { body: { name: "k", scopes: [] } })).status).toBe(401);
    const nobody = await person("nobody@acme.test", "acme", ["editor"]);
    expect((await call("POST", "/api-keys", { as: nobody, body: { name: "k", scopes: [] } })).body.error).toMatchObject({ code: "forbidden", reason: "default_deny" });
    expect((await call("GET", "/api-keys", { as: nobody })).body.error).toMatchObject({ reason: "default_deny" });
  });

  test("an own key acts in the session's tenant: naming another tenant is refused", async () => {
    const { call, bob, base } = await setup();
    expect((await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: [], tenantId: "globex" } })).body.error).toMatchObject({ reason: "tenant_boundary" });
    expect((await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: [], tenantId: null } })).body.error).toMatchObject({ reason: "tenant_boundary" });
    expect(await base.apiKeys.listByOwner(bob.id)).toEqual([]);
  });
});

describe("another principal's keys", () => {
  test("an ownerId in the body without portcullis.api_key:manage: 403, no key for the victim", async () => {
    const { call, bob, carol, base } = await setup();
    const res = await call("POST", "/api-keys", { as: carol, body: { name: "mine now", scopes: ["doc:read"], ownerId: bob.id } });
    expect(res.body.error).toMatchObject({ code: "forbidden", reason: "default_deny" });
    expect(await base.apiKeys.listByOwner(bob.id)).toEqual([]);
    expect((await call("GET", "/api-keys", { as: carol, query: { ownerId: bob.id } })).body.error).toMatchObject({ reason: "default_deny" });
  });

  test("a manager creates, lists and revokes another member's keys within what it holds", async () => {
    const { call, manager, bob, adminEvents } = await setup();
    const res = await call("POST", "/api-keys", { as: manager, body: { name: "for bob", scopes: ["doc:read"], ownerId: bob.id } });
    expect(res.status).toBe(201);
    const { apiKey } = res.body as unknown as Minted;
    expect(apiKey).toMatchObject({ ownerId: bob.id, tenantId: "acme" });
    expect(adminEvents()[0]).toMatchObject({ userId: manager.id, detail: { ownerId: bob.id } });
    expect((await call("GET", "/api-keys", { as: manager, query: { ownerId: bob.id } })).body).toEqual({ ownerId: bob.id, apiKeys: [apiKey] });
    const revoked = await call("POST", "/api-keys/revoke", { as: manager, body: { id: apiKey.id } });
    expect(revoked.body).toMatchObject({ changed: true, apiKey: { id: apiKey.id, revokedAt: START } });
  });

  test("escalation via scopes: a manager cannot mint for another owner a scope it does not hold", async () => {
    const { call, manager, bob, base } = await setup();
    for (const scopes of [["invoice:read"], ["*"], ["doc:read", "portcullis.role:assign"]]) {
      const res = await call("POST", "/api-keys", { as: manager, body: { name: "k", scopes, ownerId: bob.id } });
      expect(res.body.error).toMatchObject({ code: "forbidden", reason: "escalation" });
    }
    expect(await base.apiKeys.listByOwner(bob.id)).toEqual([]);
  });

  test("the owner must belong to the key's tenant; unknown owner 404; another tenant is out of reach", async () => {
    const { call, manager, eve, person, base } = await setup();
    expect((await call("POST", "/api-keys", { as: manager, body: { name: "k", scopes: [], ownerId: eve.id } })).body.error).toMatchObject({ code: "invalid_request", reason: "not_a_member" });
    expect((await call("POST", "/api-keys", { as: manager, body: { name: "k", scopes: [], ownerId: eve.id, tenantId: "globex" } })).body.error).toMatchObject({ reason: "tenant_boundary" });
    expect((await call("POST", "/api-keys", { as: manager, body: { name: "k", scopes: [], ownerId: "nobody" } })).status).toBe(404);
    expect((await call("GET", "/api-keys", { as: manager, query: { ownerId: eve.id } })).status).toBe(404);
    expect(await base.apiKeys.listByOwner(eve.id)).toEqual([]);
    // Outside any tenant: only for an owner with no tenant, by a caller with no tenant.
    const platform = await person("platform@example.test", null);
    const loner = await person("loner@example.test", null);
    await base.access.updateAssignments(platform.id, null, { addRoles: ["super"] });
    const res = await call("POST", "/api-keys", { as: platform, body: { name: "k", scopes: ["doc:read"], ownerId: loner.id } });
    expect(res.status).toBe(201);
    expect((res.body as unknown as Minted).apiKey.tenantId).toBeNull();
    expect((await call("POST", "/api-keys", { as: platform, body: { name: "k", scopes: [], ownerId: eve.id } })).body.error).toMatchObject({ reason: "tenant_required" });
  });

  test("a listing of another owner shows only the caller's tenant's keys", async () => {
    const { call, manager, bob, base, clock } = await setup();
    await base.access.addMember({ principalId: bob.id, tenantId: "globex", createdAt: clock.now() });
    const { issueApiKey } = await import("../../src/credentials/api-key.js");
    const { cryptoRandom } = await import("../../src/core/context.js");
    await issueApiKey(base.apiKeys, { ownerId: bob.id, tenantId: "globex", name: "globex key", scopes: [], env: "live" }, { clock, random: cryptoRandom });
    await call("POST", "/api-keys", { as: bob, body: { name: "acme key", scopes: [] } });
    const list = await call("GET", "/api-keys", { as: manager, query: { ownerId: bob.id } });
    expect((list.body.apiKeys as KeyView[]).map((k) => k.tenantId)).toEqual(["acme"]);
    // Bob sees all of his own.
    expect(((await call("GET", "/api-keys", { as: bob })).body.apiKeys as KeyView[]).length).toBe(2);
  });
});

describe("POST /admin/api-keys/revoke", () => {
  test("own key with portcullis.api_key:revoke; another's needs manage; another tenant's is not found", async () => {
    const { call, bob, carol, eve, adminEvents } = await setup();
    const { apiKey } = (await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: [] } })).body as unknown as Minted;
    expect((await call("POST", "/api-keys/revoke", { as: carol, body: { id: apiKey.id } })).body.error).toMatchObject({ code: "forbidden", reason: "default_deny" });
    const cross = await call("POST", "/api-keys/revoke", { as: eve, body: { id: apiKey.id } });
    expect(cross.status).toBe(404);
    expect((await call("POST", "/api-keys/revoke", { as: bob, body: { id: "AAAAAAAAAAA" } })).status).toBe(404);
    expect((await call("POST", "/api-keys/revoke", { as: bob, body: { id: apiKey.id } })).body).toMatchObject({ changed: true, apiKey: { revokedAt: START } });
    expect((await call("POST", "/api-keys/revoke", { as: bob, body: { id: apiKey.id } })).body).toMatchObject({ changed: false });
    expect(adminEvents().map((e) => [e.type, e.detail?.alreadyRevoked ?? null])).toEqual([
      ["admin.api_key_created", null],
      ["admin.api_key_revoked", false],
      ["admin.api_key_revoked", true],
    ]);
    expect((await call("POST", "/api-keys/revoke", { body: { id: apiKey.id } })).status).toBe(401);
  });
});

describe("API-key callers", () => {
  test("may read keys but never mint one: 403 session_required, nothing created", async () => {
    const { call, bob, base } = await setup();
    const { key } = (await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: ["portcullis.api_key:*"] } })).body as unknown as Minted;
    const mint = await call("POST", "/api-keys", { as: { bearer: key }, body: { name: "child", scopes: [] } });
    expect(mint.status).toBe(403);
    expect(mint.body.error).toMatchObject({ code: "forbidden", reason: "session_required" });
    expect(await base.apiKeys.listByOwner(bob.id)).toHaveLength(1);
    expect(base.audit.events.filter((e) => e.reason === "session_required")).toHaveLength(1);
    const list = await call("GET", "/api-keys", { as: { bearer: key } });
    expect(list.status).toBe(200);
    expect(list.body.ownerId).toBe(bob.id);
  });

  test("are bounded by their scopes on admin routes too", async () => {
    const { call, bob } = await setup();
    const { key } = (await call("POST", "/api-keys", { as: bob, body: { name: "k", scopes: ["doc:read"] } })).body as unknown as Minted;
    expect((await call("GET", "/api-keys", { as: { bearer: key } })).body.error).toMatchObject({ reason: "scope_limit" });
  });
});

describe("end to end", () => {
  test("a minted key authenticates; its power is the owner's role within the key's scopes; revoked or expired it fails", async () => {
    const { call, bob, auth, authorizer, clock } = await setup();
    const { key, apiKey } = (await call("POST", "/api-keys", { as: bob, body: { name: "CI", scopes: ["doc:read", "invoice:read"], expiresInSeconds: 86_400 } })).body as unknown as Minted;

    const result = await auth.authenticate(request("/api/docs", { bearer: key }));
    if (!result.authenticated || result.principal.type !== "api_key") throw new Error("the key did not authenticate");
    expect(result.principal).toMatchObject({ id: apiKey.id, ownerId: bob.id, tenantId: "acme" });
    const subject = subjectFrom(result.principal);
    const doc = { type: "doc", id: "d1", tenantId: "acme" };
    // From bob's editor role, admitted by the doc:read scope.
    expect(await authorizer.authorize(subject, "doc:read", doc)).toMatchObject({ allowed: true, matched: [{ kind: "role", id: "editor" }, { kind: "scope", id: "doc:read" }] });
    // bob may write, the key may not.
    expect(await authorizer.authorize(subject, "doc:write", doc)).toMatchObject({ allowed: false, reason: "scope_limit" });
    // The key may read invoices, bob may not.
    expect(await authorizer.authorize(subject, "invoice:read")).toMatchObject({ allowed: false, reason: "default_deny" });
    // Another tenant's document is out of reach whatever the scopes.
    expect(await authorizer.authorize(subject, "doc:read", { ...doc, tenantId: "globex" })).toMatchObject({ allowed: false, reason: "tenant_boundary" });

    expect((await call("POST", "/api-keys/revoke", { as: bob, body: { id: apiKey.id } })).status).toBe(200);
    expect(await auth.authenticate(request("/api/docs", { bearer: key }))).toEqual({ authenticated: false, reason: "invalid_token" });
    expect((await call("GET", "/api-keys", { as: { bearer: key } })).status).toBe(401);

    const second = (await call("POST", "/api-keys", { as: bob, body: { name: "CI", scopes: ["doc:read"], expiresInSeconds: 86_400 } })).body as unknown as Minted;
    expect((await auth.authenticate(request("/api/docs", { bearer: second.key }))).authenticated).toBe(true);
    clock.advance(86_400_000);
    expect((await auth.authenticate(request("/api/docs", { bearer: second.key }))).authenticated).toBe(false);
  });
});
