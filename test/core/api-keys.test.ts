import { afterEach, describe, expect, test, vi } from "vitest";
import { faulty } from "../../src/adapters/faulty.js";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import { subjectFrom } from "../../src/authz/subject.js";
import { cryptoRandom } from "../../src/core/context.js";
import { AuthError, ConfigurationError, StorageError } from "../../src/core/errors.js";
import { issueApiKey, parseApiKey } from "../../src/credentials/api-key.js";
import type { ApiKeyRecord, ApiKeyStore } from "../../src/ports/api-key-store.js";
import { identityHeaders } from "../../src/gateway/identity-headers.js";
import { accessPolicy } from "../../src/gateway/index.js";
import { errorCode, makeHarness, request, signUp } from "../helpers/harness.js";

const HOUR = 3_600_000;
const noAudit = async (): Promise<void> => undefined;

/** Counts every call on the store (and remembers the arguments), calling through. */
function counted(store: ApiKeyStore): { store: ApiKeyStore; calls: { method: string; args: unknown[] }[] } {
  const calls: { method: string; args: unknown[] }[] = [];
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), args });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

function setup(settings: { apiKeyHeader?: string | null } = {}) {
  const stores = memoryStores();
  const { store, calls } = counted(stores.apiKeys);
  const harness = makeHarness({ stores: { ...stores, apiKeys: store }, settings });
  const issue = (input: Partial<Parameters<typeof issueApiKey>[1]> = {}) =>
    issueApiKey(
      store,
      { ownerId: "user-1", tenantId: "acme", name: "CI deploys", scopes: ["doc:read", "doc:write"], env: "live", ...input },
      { clock: harness.clock, random: cryptoRandom },
    );
  return { ...harness, apiKeys: store, calls, issue };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("issuing an API key", () => {
  test("pk_<env>_<lookup>_<secret>; the record and the store never hold the secret", async () => {
    const { issue, calls, apiKeys } = setup();
    const { key, record } = await issue({ env: "test" });
    expect(key).toMatch(/^pk_test_[A-Za-z0-9_-]{11}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseApiKey(key)!;
    expect(parsed).toMatchObject({ env: "test", lookupId: record.id, prefix: record.prefix });
    expect(record.prefix).toBe(`pk_test_${record.id}`);
    expect(key.startsWith(record.prefix + "_")).toBe(true);
    expect(record.secretHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ ownerId: "user-1", tenantId: "acme", name: "CI deploys", scopes: ["doc:read", "doc:write"], revokedAt: null, expiresAt: null });
    // Nothing the store received, and nothing it returns, contains the secret.
    expect(JSON.stringify(calls)).not.toContain(parsed.secret);
    expect(JSON.stringify(record)).not.toContain(parsed.secret);
    expect(JSON.stringify(await apiKeys.listByOwner("user-1"))).not.toContain(parsed.secret);
    expect(await apiKeys.listByOwner("user-1")).toHaveLength(1);
  });

  test.each([
    ["an invalid scope", { scopes: ["do*:read"] }],
    ["a scope that is not a permission", { scopes: ["doc"] }],
    ["an empty name", { name: " " }],
    ["a non-positive lifetime", { expiresIn: 0 }],
    ["an unknown env", { env: "prod" as "live" }],
  ])("refuses %s", async (_name, input) => {
    const { issue, calls } = setup();
    await expect(issue(input)).rejects.toBeInstanceOf(AuthError);
    expect(calls).toEqual([]);
  });
});

describe("authenticate() with an API key", () => {
  test("via Authorization: Bearer, as an api_key principal with no session", async () => {
    const { auth, issue } = setup();
    const { key, record } = await issue();
    const result = await auth.authenticate(request("/api/docs", { bearer: key }));
    expect(result).toEqual({
      authenticated: true,
      source: "api_key",
      header: "authorization",
      session: null,
      principal: { type: "api_key", id: record.id, ownerId: "user-1", tenantId: "acme", name: "CI deploys", scopes: ["doc:read", "doc:write"] },
      apiKey: record,
    });
  });

  test("via the configured header (settings.apiKeyHeader)", async () => {
    const { auth, issue } = setup({ apiKeyHeader: "X-API-Key" });
    const { key, record } = await issue();
    const result = await auth.authenticate(request("/api/docs", { headers: { "x-api-key": key } }));
    expect(result).toMatchObject({ authenticated: true, source: "api_key", header: "x-api-key", principal: { id: record.id } });
    // Bearer still works beside it.
    expect((await auth.authenticate(request("/api/docs", { bearer: key }))).authenticated).toBe(true);
  });

  test("without the setting, the header is ignored", async () => {
    const { auth, issue } = setup();
    const { key } = await issue();
    expect(await auth.authenticate(request("/api/docs", { headers: { "x-api-key": key } }))).toEqual({ authenticated: false, reason: "no_token" });
  });

  test("apiKeyHeader without stores.apiKeys, or naming a reserved header, is a ConfigurationError", () => {
    const { apiKeys: _unused, ...stores } = memoryStores();
    expect(() => makeHarness({ stores, settings: { apiKeyHeader: "x-api-key" } })).toThrow(ConfigurationError);
    expect(() => makeHarness({ settings: { apiKeyHeader: "authorization" } })).toThrow(ConfigurationError);
    expect(() => makeHarness({ settings: { apiKeyHeader: "x-portcullis-key" } })).toThrow(ConfigurationError);
  });

  test("without stores.apiKeys, a pk_ bearer is just an invalid session token", async () => {
    const stores = memoryStores();
    const { key } = await issueApiKey(stores.apiKeys, { ownerId: "u", tenantId: null, name: "k", scopes: [], env: "live" }, { clock: { now: () => new Date() }, random: cryptoRandom });
    const { apiKeys: _unused, ...withoutKeys } = stores;
    const { auth } = makeHarness({ stores: withoutKeys });
    expect(await auth.authenticate(request("/x", { bearer: key }))).toEqual({ authenticated: false, reason: "invalid_token" });
  });

  test("a wrong secret with a valid lookup id is not authenticated", async () => {
    const { auth, issue } = setup();
    const { key } = await issue();
    const other = (await issue()).key;
    const forged = key.slice(0, key.length - 43) + other.slice(-43);
    expect(parseApiKey(forged)).not.toBeNull();
    expect(await auth.authenticate(request("/x", { bearer: forged }))).toEqual({ authenticated: false, reason: "invalid_token" });
    // Same lookup id and secret, but the other environment: the prefix must match too.
    expect(await auth.authenticate(request("/x", { bearer: key.replace("pk_live_", "pk_test_") }))).toEqual({ authenticated: false, reason: "invalid_token" });
  });

  test.each([
    ["a truncated key", (k: string) => k.slice(0, -1)],
    ["an extra character", (k: string) => k + "A"],
    ["a shifted lookup id", (k: string) => k.replace("pk_live_", "pk_live_x")],
    ["a non-canonical secret (trailing bits)", (k: string) => k.slice(0, -1) + (/[AEIMQUYcgkosw048]$/.test(k) ? "B" : "A")],
    ["a character outside base64url", (k: string) => k.slice(0, 20) + "." + k.slice(21)],
    ["just the prefix", () => "pk_live_"],
  ])("a malformed key (%s) is rejected without any store read", async (_name, mangle) => {
    const { auth, issue, calls } = setup({ apiKeyHeader: "x-api-key" });
    const { key } = await issue();
    calls.length = 0;
    const bad = mangle(key);
    expect(await auth.authenticate(request("/x", { bearer: bad }))).toEqual({ authenticated: false, reason: "invalid_token" });
    expect(await auth.authenticate(request("/x", { headers: { "x-api-key": bad } }))).toEqual({ authenticated: false, reason: "invalid_token" });
    expect(calls).toEqual([]);
  });

  test("an unknown lookup id costs one store read and fails", async () => {
    const { auth, issue, calls } = setup();
    const { key } = await issue();
    const other = setup();
    const foreign = (await other.issue()).key;
    calls.length = 0;
    expect((await auth.authenticate(request("/x", { bearer: foreign }))).authenticated).toBe(false);
    expect(calls.map((c) => c.method)).toEqual(["findByLookup"]);
    expect((await auth.authenticate(request("/x", { bearer: key }))).authenticated).toBe(true);
  });

  test("an expired key is not authenticated (injected clock)", async () => {
    const { auth, issue, clock } = setup();
    const { key, record } = await issue({ expiresIn: 3600 });
    expect(record.expiresAt!.getTime() - record.createdAt.getTime()).toBe(HOUR);
    clock.advance(HOUR - 1);
    expect((await auth.authenticate(request("/x", { bearer: key }))).authenticated).toBe(true);
    clock.advance(1);
    expect(await auth.authenticate(request("/x", { bearer: key }))).toEqual({ authenticated: false, reason: "invalid_token" });
  });

  test("a revoked key is not authenticated; revocation keeps the first time", async () => {
    const { auth, issue, apiKeys, clock } = setup();
    const { key, record } = await issue();
    const keep = await issue({ name: "other" });
    await apiKeys.revoke(record.id, clock.now());
    const first = (await apiKeys.findByLookup(record.id))!.revokedAt;
    clock.advance(1000);
    await apiKeys.revoke(record.id, clock.now());
    expect((await apiKeys.findByLookup(record.id))!.revokedAt).toEqual(first);
    expect(await auth.authenticate(request("/x", { bearer: key }))).toEqual({ authenticated: false, reason: "invalid_token" });
    expect((await auth.authenticate(request("/x", { bearer: keep.key }))).authenticated).toBe(true);
  });

  test("the memory store copies records in and out", async () => {
    const { issue, apiKeys } = setup();
    const { record } = await issue();
    record.scopes.push("*");
    const found = (await apiKeys.findByLookup(record.id)) as ApiKeyRecord;
    expect(found.scopes).toEqual(["doc:read", "doc:write"]);
    found.scopes.push("*");
    expect((await apiKeys.findByLookup(record.id))!.scopes).toEqual(["doc:read", "doc:write"]);
    await expect(apiKeys.create(found)).rejects.toBeInstanceOf(StorageError);
  });

  test("user sessions still authenticate as before", async () => {
    const { auth } = setup({ apiKeyHeader: "x-api-key" });
    const { cookie } = await signUp(auth);
    expect(await auth.authenticate(request("/x", { cookie }))).toMatchObject({ authenticated: true, source: "cookie", principal: { type: "user" } });
    const token = cookie.split("=")[1]!;
    expect(await auth.authenticate(request("/x", { bearer: token }))).toMatchObject({ authenticated: true, source: "bearer" });
  });
});

describe("scopes limit authorization", () => {
  const ROLES = [{ id: "admin", permissions: ["*"], tenantId: null }];

  test("the principal carries the key's scopes and tenant; an action outside them is scope_limit", async () => {
    const { auth, issue } = setup();
    const { key } = await issue({ scopes: ["doc:read"] });
    const result = await auth.authenticate(request("/x", { bearer: key }));
    if (!result.authenticated) throw new Error("not authenticated");
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES });
    // Even with the owner's admin role, the key's scopes bound what it may do.
    const subject = subjectFrom(result.principal, { roleIds: ["admin"] });
    expect(subject).toMatchObject({ type: "api_key", tenantId: "acme", scopes: ["doc:read"] });
    expect((await authz.authorize(subject, "doc:read", { type: "doc", tenantId: "acme" })).reason).toBe("allowed");
    expect((await authz.authorize(subject, "doc:write", { type: "doc", tenantId: "acme" })).reason).toBe("scope_limit");
    expect((await authz.authorize(subject, "doc:read", { type: "doc", tenantId: "globex" })).reason).toBe("tenant_boundary");
  });

  test("an empty scope list allows nothing", async () => {
    const { auth, issue } = setup();
    const { key } = await issue({ scopes: [] });
    const result = await auth.authenticate(request("/x", { bearer: key }));
    if (!result.authenticated) throw new Error("not authenticated");
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES });
    expect((await authz.authorize(subjectFrom(result.principal, { roleIds: ["admin"] }), "doc:read")).reason).toBe("scope_limit");
  });

  test("subjectFrom refuses to move a key to another tenant or to replace its scopes", async () => {
    const { auth, issue } = setup();
    const { key } = await issue();
    const result = await auth.authenticate(request("/x", { bearer: key }));
    if (!result.authenticated) throw new Error("not authenticated");
    expect(() => subjectFrom(result.principal, { tenantId: "globex" })).toThrow(TypeError);
    expect(() => subjectFrom(result.principal, { scopes: ["*"] })).toThrow(TypeError);
    expect(subjectFrom(result.principal, { tenantId: "acme" }).tenantId).toBe("acme");
  });
});

describe("an API key is not a session", () => {
  test("GET /auth/session with an API key is 401", async () => {
    const { auth, issue } = setup({ apiKeyHeader: "x-api-key" });
    const { key } = await issue();
    const viaBearer = await auth.handle(request("/auth/session", { bearer: key }));
    expect(viaBearer.status).toBe(401);
    expect(await errorCode(viaBearer)).toBe("unauthenticated");
    expect((await auth.handle(request("/auth/session", { headers: { "x-api-key": key } }))).status).toBe(401);
  });

  test("POST /auth/sign-out with an API key revokes nothing; the key keeps working", async () => {
    const { auth, issue, stores } = setup();
    const { key } = await issue();
    const response = await auth.handle(request("/auth/sign-out", { method: "POST", bearer: key }));
    expect(response.status).toBe(204);
    expect(stores.audit.events.at(-1)).toMatchObject({ type: "sign_out", outcome: "failure", reason: "not_a_session" });
    expect((await auth.authenticate(request("/x", { bearer: key }))).authenticated).toBe(true);
  });

  test("identity headers: principal type, key id, owner as user id, no email or session headers", async () => {
    const { auth, issue } = setup();
    const { key, record } = await issue();
    const result = await auth.authenticate(request("/x", { bearer: key }));
    if (!result.authenticated) throw new Error("not authenticated");
    expect(identityHeaders(result.principal, result.session)).toEqual({
      "x-portcullis-principal-type": "api_key",
      "x-portcullis-user-id": "user-1",
      "x-portcullis-api-key-id": record.id,
      "x-portcullis-tenant-id": "acme",
    });
    const { key: global } = await issue({ tenantId: null });
    const bare = await auth.authenticate(request("/x", { bearer: global }));
    if (!bare.authenticated) throw new Error("not authenticated");
    expect(identityHeaders(bare.principal, bare.session)).not.toHaveProperty("x-portcullis-tenant-id");
  });
});

describe("budgets and failures", () => {
  test("a warmed-up API-key authenticate() makes exactly one crypto.subtle call (the digest)", async () => {
    const { auth, issue } = setup();
    const { key } = await issue();
    await auth.authenticate(request("/x", { bearer: key }));
    const names = ["digest", "sign", "verify", "importKey", "deriveBits", "deriveKey", "encrypt", "decrypt", "generateKey", "exportKey"] as const;
    const spies = names.map((name) => [name, vi.spyOn(crypto.subtle, name)] as const);
    expect((await auth.authenticate(request("/x", { bearer: key }))).authenticated).toBe(true);
    const calls = Object.fromEntries(spies.filter(([, spy]) => spy.mock.calls.length > 0).map(([name, spy]) => [name, spy.mock.calls.length]));
    expect(calls).toEqual({ digest: 1 });
  });

  test("a failing store throws StorageError from authenticate() and answers 503 on the auth routes", async () => {
    const healthy = setup();
    const { key } = await healthy.issue();
    const stores = { ...healthy.stores, apiKeys: faulty(healthy.apiKeys, { mode: "throw", methods: ["findByLookup"] }) };
    const { auth } = makeHarness({ stores });
    await expect(auth.authenticate(request("/x", { bearer: key }))).rejects.toBeInstanceOf(StorageError);
    const response = await auth.handle(request("/auth/session", { bearer: key }));
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe("storage_unavailable");
  });
});

describe("the gateway (accessPolicy) with an API key", () => {
  test("forwards api_key identity headers, strips the key, and route checks see session: null", async () => {
    const { auth, issue } = setup({ apiKeyHeader: "x-api-key" });
    const { key, record } = await issue();
    const seen: { type: string; session: unknown }[] = [];
    const policy = accessPolicy(auth, {
      routes: {
        rules: [{ path: "/api/*", permission: "doc:read" }],
        check: async (principal, _permission, _request, context) => {
          seen.push({ type: principal.type, session: context.session });
          return { allowed: principal.type === "api_key", reason: "test" };
        },
      },
    });
    for (const init of [{ bearer: key }, { headers: { "x-api-key": key, "x-portcullis-email": "smuggled@example.com" } }]) {
      const decision = await policy.decide(request("/api/docs", init));
      if (decision.kind !== "allow") throw new Error(`expected allow, got ${decision.kind}`);
      expect(decision.headers.get("x-portcullis-principal-type")).toBe("api_key");
      expect(decision.headers.get("x-portcullis-user-id")).toBe("user-1");
      expect(decision.headers.get("x-portcullis-api-key-id")).toBe(record.id);
      expect(decision.headers.get("x-portcullis-email")).toBeNull();
      expect(decision.headers.get("authorization")).toBeNull();
      expect(decision.headers.get("x-api-key")).toBeNull();
    }
    expect(seen).toEqual([
      { type: "api_key", session: null },
      { type: "api_key", session: null },
    ]);
  });
});
