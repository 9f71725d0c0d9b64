import { describe, expect, test } from "vitest";
import { memoryAccessStore, memoryApiKeyStore, memoryKeyStore, memoryStores } from "../../src/adapters/memory/index.js";
import type { StoredKey } from "../../src/ports/key-store.js";
import { describeAccessStore, describeApiKeyStore, describeStores } from "../../src/testing/index.js";

describeStores("memory", async () => memoryStores(), { readAudit: async (stores) => [...stores.audit.events] });
describeApiKeyStore("memory", async () => memoryApiKeyStore());
describeAccessStore("memory", async () => memoryAccessStore());

describe("memory stores", () => {
  test("each call owns its state: nothing is shared between factories", async () => {
    const a = memoryStores();
    const b = memoryStores();
    const now = new Date("2026-01-01T00:00:00Z");
    await a.users.create({ id: "u1", kind: "user", email: "a@example.com", emailVerified: false, name: null, createdAt: now }, []);
    await a.sessions.create({ id: "s1", userId: "u1", tenantId: null, createdAt: now, expiresAt: now, idleExpiresAt: now, amr: [], ip: null, userAgent: null });
    expect(await b.users.findById("u1")).toBeNull();
    expect(await b.sessions.get("s1")).toBeNull();
    expect(a.users.consistency).toBe("atomic");
    expect(a.keys.consistency).toBe("atomic");
  });

  test("audit events are an immutable snapshot", async () => {
    const { audit } = memoryStores();
    const at = new Date("2026-01-01T00:00:00Z");
    await audit.write({ id: "e1", type: "sign_up", outcome: "success", reason: "ok", at, requestId: "r", userId: null, sessionRef: null, ip: null, userAgent: null });
    const events = audit.events;
    expect(Object.isFrozen(events)).toBe(true);
    events[0]!.reason = "mutated";
    expect(audit.events[0]?.reason).toBe("ok");
  });
});

describe("memoryKeyStore", () => {
  const key = (kid: string, createdAt: string, status: StoredKey["status"] = "active"): StoredKey => ({
    kid,
    alg: "EdDSA",
    privateJwk: { kty: "OKP", crv: "Ed25519", x: `x-${kid}`, d: `d-${kid}` },
    publicJwk: { kty: "OKP", crv: "Ed25519", x: `x-${kid}` },
    createdAt: new Date(createdAt),
    status,
  });

  test("list is newest first; empty at start", async () => {
    const keys = memoryKeyStore();
    expect(await keys.list()).toEqual([]);
    await keys.put(key("k1", "2026-01-01T00:00:00Z"));
    await keys.put(key("k3", "2026-03-01T00:00:00Z"));
    await keys.put(key("k2", "2026-02-01T00:00:00Z"));
    expect((await keys.list()).map((k) => k.kid)).toEqual(["k3", "k2", "k1"]);
  });

  test("put with a known kid replaces it (retiring a key)", async () => {
    const keys = memoryKeyStore();
    await keys.put(key("k1", "2026-01-01T00:00:00Z"));
    await keys.put(key("k2", "2026-02-01T00:00:00Z"));
    await keys.put(key("k2", "2026-02-01T00:00:00Z", "retired"));
    expect((await keys.list()).map((k) => [k.kid, k.status])).toEqual([
      ["k2", "retired"],
      ["k1", "active"],
    ]);
  });

  test("returns deep copies", async () => {
    const keys = memoryKeyStore();
    const input = key("k1", "2026-01-01T00:00:00Z");
    await keys.put(input);
    input.privateJwk.d = "mutated";
    const [listed] = await keys.list();
    listed!.publicJwk.x = "mutated";
    listed!.createdAt.setTime(0);
    expect(await keys.list()).toEqual([key("k1", "2026-01-01T00:00:00Z")]);
  });
});
