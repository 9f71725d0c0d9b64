import { desc } from "drizzle-orm";
import type { KeyStore, StoredKey } from "../../ports/key-store.js";
import type { PostgresDatabase } from "./database.js";
import type { StorageGuard } from "../storage-guard.js";
import { signingKeys } from "./schema.js";

/**
 * Signing keys. `put` upserts on `kid` (retiring a key rewrites its row and keeps
 * its `seq`); `list` is newest first, ties broken by first insertion, like memory and SQLite.
 */
export function postgresKeyStore(db: PostgresDatabase, guard: StorageGuard): KeyStore {
  const columns = {
    kid: signingKeys.kid,
    alg: signingKeys.alg,
    privateJwk: signingKeys.privateJwk,
    publicJwk: signingKeys.publicJwk,
    createdAt: signingKeys.createdAt,
    status: signingKeys.status,
  };
  return {
    consistency: "atomic",

    list: (): Promise<StoredKey[]> => guard("keys.list", () => db.select(columns).from(signingKeys).orderBy(desc(signingKeys.createdAt), desc(signingKeys.seq))),

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
