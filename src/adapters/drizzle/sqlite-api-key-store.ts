import { and, asc, eq, isNull } from "drizzle-orm";
import type { ApiKeyRecord, ApiKeyStore } from "../../ports/api-key-store.js";
import { apiKeyRow } from "../sql-rows.js";
import { sqliteGuard } from "./errors.js";
import type { SQLiteDatabase } from "./sqlite-database.js";
import { apiKeys } from "./sqlite-schema.js";

/**
 * API keys in the `api_keys` table. `create` is a plain INSERT, so a second record under a
 * known id hits the primary key (StorageError) instead of replacing the first; an owner that
 * is not a user row is refused by the foreign key where foreign keys are on (D1 always).
 */
export function sqliteApiKeyStore(db: SQLiteDatabase, options: { label: string }): ApiKeyStore {
  const guard = sqliteGuard(options.label);
  return {
    consistency: "atomic",

    async create(record: ApiKeyRecord): Promise<void> {
      await guard("apiKeys.create", () => db.insert(apiKeys).values(apiKeyRow(record)));
    },

    findByLookup: (lookupId: string): Promise<ApiKeyRecord | null> =>
      guard("apiKeys.findByLookup", async () => (await db.select().from(apiKeys).where(eq(apiKeys.id, lookupId)).limit(1))[0] ?? null),

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
