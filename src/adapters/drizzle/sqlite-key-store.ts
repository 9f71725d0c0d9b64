import { desc, sql } from "drizzle-orm";
import type { KeyStore, StoredKey } from "../../ports/key-store.js";
import { sqliteGuard } from "./errors.js";
import type { SQLiteDatabase } from "./sqlite-database.js";
import { signingKeys } from "./sqlite-schema.js";

/**
 * Signing keys in the `signing_keys` table. `put` upserts on `kid` (retiring a key
 * rewrites its row); `list` is newest first, ties broken by first insertion (rowid),
 * the same order as the memory store.
 */
export function sqliteKeyStore(db: SQLiteDatabase, options: { label: string }): KeyStore {
  const guard = sqliteGuard(options.label);
  return {
    consistency: "atomic",

    // JSON columns are parsed per query, so every call hands out fresh objects.
    list: (): Promise<StoredKey[]> => guard("keys.list", () => db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt), desc(sql`rowid`))),

    async put(key: StoredKey): Promise<void> {
      const row = { alg: key.alg, privateJwk: key.privateJwk, publicJwk: key.publicJwk, createdAt: key.createdAt, status: key.status };
      await guard("keys.put", () =>
        db
          .insert(signingKeys)
          .values({ kid: key.kid, ...row })
          .onConflictDoUpdate({ target: signingKeys.kid, set: row }),
      );
    },
  };
}
