import { and, asc, eq, isNull } from "drizzle-orm";
import type { ApiKeyRecord, ApiKeyStore } from "../../ports/api-key-store.js";
import { apiKeyRow } from "../sql-rows.js";
import { storageError } from "./errors.js";
import { apiKeys } from "./sqlite-schema.js";
import type { SQLiteDatabase } from "./sqlite-stores.js";

/**
 * API keys in the `api_keys` table. `create` is a plain INSERT, so a second record under a
 * known id hits the primary key (StorageError) instead of replacing the first; an owner that
 * is not a user row is refused by the foreign key where foreign keys are on (D1 always).
 */
export function sqliteApiKeyStore(db: SQLiteDatabase, options: { label: string }): ApiKeyStore {
  const { label } = options;
  return {
    consistency: "atomic",

    async create(record: ApiKeyRecord): Promise<void> {
      try {
        await db.insert(apiKeys).values(apiKeyRow(record));
      } catch (error) {
        throw storageError(label, "apiKeys.create", error);
      }
    },

    async findByLookup(lookupId: string): Promise<ApiKeyRecord | null> {
      try {
        const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, lookupId)).limit(1);
        return row ?? null;
      } catch (error) {
        throw storageError(label, "apiKeys.findByLookup", error);
      }
    },

    async listByOwner(ownerId: string): Promise<ApiKeyRecord[]> {
      try {
        return await db.select().from(apiKeys).where(eq(apiKeys.ownerId, ownerId)).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
      } catch (error) {
        throw storageError(label, "apiKeys.listByOwner", error);
      }
    },

    async revoke(id: string, at: Date): Promise<void> {
      try {
        // Only an unrevoked row changes: the first revocation time is kept.
        await db
          .update(apiKeys)
          .set({ revokedAt: at })
          .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
      } catch (error) {
        throw storageError(label, "apiKeys.revoke", error);
      }
    },
  };
}
