import { desc, sql } from "drizzle-orm";
import type { KeyStore, StoredKey } from "../../ports/key-store.js";
import { storageError } from "./errors.js";
import { signingKeys } from "./sqlite-schema.js";
import type { SQLiteDatabase } from "./sqlite-stores.js";

/**
 * Signing keys in the `signing_keys` table. `put` upserts on `kid` (retiring a key
 * rewrites its row); `list` is newest first, ties broken by first insertion (rowid),
 * the same order as the memory store.
 */
export function sqliteKeyStore(db: SQLiteDatabase, options: { label: string }): KeyStore {
  const { label } = options;
  return {
    consistency: "atomic",

    async list(): Promise<StoredKey[]> {
      try {
        // JSON columns are parsed per query, so every call hands out fresh objects.
        return await db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt), desc(sql`rowid`));
      } catch (error) {
        throw storageError(label, "keys.list", error);
      }
    },

    async put(key: StoredKey): Promise<void> {
      const row = { alg: key.alg, privateJwk: key.privateJwk, publicJwk: key.publicJwk, createdAt: key.createdAt, status: key.status };
      try {
        await db
          .insert(signingKeys)
          .values({ kid: key.kid, ...row })
          .onConflictDoUpdate({ target: signingKeys.kid, set: row });
      } catch (error) {
        throw storageError(label, "keys.put", error);
      }
    },
  };
}
