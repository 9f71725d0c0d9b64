import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { ApiKeyRecord, ApiKeyStore } from "../../ports/api-key-store.js";
import { apiKeyRow } from "../sql-rows.js";
import type { PostgresDatabase } from "./database.js";
import type { StorageGuard } from "../storage-guard.js";
import { apiKeys } from "./schema.js";

/**
 * API keys in `api_keys`. `create` is a plain INSERT: a known id fails on the primary key
 * (StorageError), never replaces the first record, and an owner that is no user row fails
 * on the foreign key. `findByLookup` runs on every API-key request, so it is prepared.
 */
export function postgresApiKeyStore(db: PostgresDatabase, guard: StorageGuard): ApiKeyStore {
  const byLookup = db.select().from(apiKeys).where(eq(apiKeys.id, sql.placeholder("id"))).limit(1).prepare("portcullis_api_keys_find_by_lookup");

  return {
    consistency: "atomic",

    async create(record: ApiKeyRecord): Promise<void> {
      const row = apiKeyRow(record);
      await guard("apiKeys.create", () => db.insert(apiKeys).values(row));
    },

    findByLookup: (lookupId: string): Promise<ApiKeyRecord | null> => guard("apiKeys.findByLookup", async () => (await byLookup.execute({ id: lookupId }))[0] ?? null),

    listByOwner: (ownerId: string): Promise<ApiKeyRecord[]> =>
      guard("apiKeys.listByOwner", () => db.select().from(apiKeys).where(eq(apiKeys.ownerId, ownerId)).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))),

    async revoke(id: string, at: Date): Promise<void> {
      // Only an unrevoked row changes: the first revocation time is kept.
      await guard("apiKeys.revoke", () =>
        db
          .update(apiKeys)
          .set({ revokedAt: at })
          .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))),
      );
    },
  };
}
