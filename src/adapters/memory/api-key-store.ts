import type { ApiKeyRecord, ApiKeyStore } from "../../ports/api-key-store.js";
import { storageError } from "../storage-guard.js";

function copy(record: ApiKeyRecord): ApiKeyRecord {
  const out: ApiKeyRecord = {
    ...record,
    scopes: [...record.scopes],
    createdAt: new Date(record.createdAt),
    expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt),
    revokedAt: record.revokedAt === null ? null : new Date(record.revokedAt),
  };
  if (record.lastUsedAt !== undefined) out.lastUsedAt = record.lastUsedAt === null ? null : new Date(record.lastUsedAt);
  return out;
}

/** API keys in this closure's memory, with an ownerId -> ids index. Records are copied in and out. */
export function memoryApiKeyStore(): ApiKeyStore {
  const byId = new Map<string, ApiKeyRecord>();
  const idsByOwner = new Map<string, Set<string>>();

  return {
    consistency: "atomic",

    async create(record: ApiKeyRecord): Promise<void> {
      if (byId.has(record.id)) {
        throw storageError("memory", "apiKeys.create", new Error("UNIQUE constraint failed: api_keys.id"));
      }
      const stored = copy(record);
      byId.set(stored.id, stored);
      let ids = idsByOwner.get(stored.ownerId);
      if (ids === undefined) idsByOwner.set(stored.ownerId, (ids = new Set()));
      ids.add(stored.id);
    },

    async findByLookup(lookupId: string): Promise<ApiKeyRecord | null> {
      const stored = byId.get(lookupId);
      return stored === undefined ? null : copy(stored);
    },

    async listByOwner(ownerId: string): Promise<ApiKeyRecord[]> {
      const ids = idsByOwner.get(ownerId) ?? new Set<string>();
      return [...ids]
        .map((id) => copy(byId.get(id)!))
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },

    async revoke(id: string, at: Date): Promise<void> {
      const stored = byId.get(id);
      if (stored !== undefined && stored.revokedAt === null) stored.revokedAt = new Date(at);
    },
  };
}
