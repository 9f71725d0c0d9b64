/**
 * The ApiKeyStore contract. Time is fixed dates, never the wall clock. SQL backends tie a
 * key's owner to a user row: pass `createPrincipal` so the suite can create each owner first.
 */
import { beforeEach, describe, expect, test } from "vitest";
import { StorageError } from "../core/errors.js";
import type { ApiKeyRecord, ApiKeyStore } from "../ports/api-key-store.js";

export interface ApiKeyStoreSuiteOptions {
  /**
   * Makes `id` a principal the store accepts as an owner (a user row in SQL backends).
   * Called within a test, after `make`, once per owner id; omit it when any id is accepted.
   */
  createPrincipal?: (id: string) => Promise<void>;
}

// Millisecond precision on purpose: a store that rounds to seconds fails.
const T0 = new Date("2026-03-04T05:06:07.089Z");
const at = (offsetMs: number): Date => new Date(T0.getTime() + offsetMs);

function apiKey(id: string, ownerId: string, offsetMs = 0, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id,
    ownerId,
    tenantId: "tenant-1",
    name: `key ${id}`,
    prefix: `pk_live_${id}`,
    secretHash: `hash-of-${id}`,
    scopes: ["doc:read", "billing.invoice:*"],
    createdAt: at(offsetMs),
    expiresAt: at(offsetMs + 90 * 86_400_000),
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

/** `lastUsedAt` is optional: an absent one may come back as null. */
const normal = (record: ApiKeyRecord | null): ApiKeyRecord | null => (record === null ? null : { ...record, lastUsedAt: record.lastUsedAt ?? null });

/** `make` must return a store with empty state for every test. */
export function describeApiKeyStore(name: string, make: () => Promise<ApiKeyStore>, options: ApiKeyStoreSuiteOptions = {}): void {
  describe(`api key store conformance: ${name}`, () => {
    let keys: ApiKeyStore;
    const owners = async (...ids: string[]): Promise<void> => {
      for (const id of ids) await options.createPrincipal?.(id);
    };

    beforeEach(async () => {
      keys = await make();
    });

    test("declares its consistency; empty at start", async () => {
      expect(["atomic", "eventual"]).toContain(keys.consistency);
      expect(await keys.findByLookup("AbCdEf012_-")).toBeNull();
      expect(await keys.listByOwner("owner-1")).toEqual([]);
    });

    test("create and findByLookup round-trip every field, null and non-null", async () => {
      await owners("owner-1");
      const full = apiKey("k1", "owner-1", 0, { lastUsedAt: at(5000), revokedAt: at(6000) });
      const bare = apiKey("k2", "owner-1", 1, { tenantId: null, expiresAt: null, scopes: [] });
      const withoutLastUse = apiKey("k3", "owner-1", 2, { scopes: ["*"] });
      delete withoutLastUse.lastUsedAt;
      for (const record of [full, bare, withoutLastUse]) await keys.create(record);

      const found = await keys.findByLookup("k1");
      expect(found).toEqual(full);
      expect(found?.createdAt).toBeInstanceOf(Date);
      expect(found?.expiresAt).toBeInstanceOf(Date);
      expect(normal(await keys.findByLookup("k2"))).toEqual(bare);
      expect(normal(await keys.findByLookup("k3"))).toEqual({ ...withoutLastUse, lastUsedAt: null });
    });

    test("a second record under a known id is a StorageError and the first is kept", async () => {
      await owners("owner-1", "owner-2");
      await keys.create(apiKey("k1", "owner-1"));
      const error: unknown = await keys.create(apiKey("k1", "owner-2", 10, { secretHash: "other-hash" })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(normal(await keys.findByLookup("k1"))).toEqual(apiKey("k1", "owner-1"));
      expect(await keys.listByOwner("owner-2")).toEqual([]);
    });

    test("lookup is exact: ids differing only where LIKE or case would blur them are distinct", async () => {
      await owners("owner-1");
      // Lookup ids are base64url, so '_' and '-' are ordinary characters in them.
      await keys.create(apiKey("AbC_12-x", "owner-1"));
      expect(await keys.findByLookup("AbCx12-x")).toBeNull();
      expect(await keys.findByLookup("AbC%")).toBeNull();
      expect(await keys.findByLookup("abc_12-x")).toBeNull();
      expect(await keys.findByLookup("AbC_12-x ")).toBeNull();
      expect((await keys.findByLookup("AbC_12-x"))?.id).toBe("AbC_12-x");
    });

    test("listByOwner: that owner's keys, oldest first, revoked and expired ones included", async () => {
      await owners("owner-1", "owner-2");
      await keys.create(apiKey("b", "owner-1", 20));
      await keys.create(apiKey("c", "owner-2", 0));
      await keys.create(apiKey("a", "owner-1", 30, { revokedAt: at(31) }));
      await keys.create(apiKey("d", "owner-1", 10, { expiresAt: at(11) }));
      expect((await keys.listByOwner("owner-1")).map(normal)).toEqual([
        apiKey("d", "owner-1", 10, { expiresAt: at(11) }),
        apiKey("b", "owner-1", 20),
        apiKey("a", "owner-1", 30, { revokedAt: at(31) }),
      ]);
      expect((await keys.listByOwner("owner-2")).map((k) => k.id)).toEqual(["c"]);
      expect(await keys.listByOwner("owner-3")).toEqual([]);
    });

    test("revoke sets revokedAt once: a later revoke keeps the first time", async () => {
      await owners("owner-1");
      await keys.create(apiKey("k1", "owner-1"));
      await keys.create(apiKey("k2", "owner-1", 1));
      await keys.revoke("k1", at(1000));
      await keys.revoke("k1", at(2000));
      expect(normal(await keys.findByLookup("k1"))).toEqual(apiKey("k1", "owner-1", 0, { revokedAt: at(1000) }));
      expect((await keys.findByLookup("k2"))?.revokedAt).toBeNull();
    });

    test("revoking an unknown id is a no-op and creates nothing", async () => {
      await keys.revoke("nothing", at(0));
      expect(await keys.findByLookup("nothing")).toBeNull();
    });

    test("returns copies, and keeps copies of its input", async () => {
      await owners("owner-1");
      const input = apiKey("k1", "owner-1");
      await keys.create(input);
      input.scopes.push("admin:*");
      input.createdAt.setTime(0);
      const found = await keys.findByLookup("k1");
      found!.scopes.push("mutated:*");
      found!.expiresAt!.setTime(0);
      const [listed] = await keys.listByOwner("owner-1");
      listed!.scopes.length = 0;
      expect(normal(await keys.findByLookup("k1"))).toEqual(apiKey("k1", "owner-1"));
    });
  });
}
