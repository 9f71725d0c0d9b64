import type { KeyStore, StoredKey } from "../../ports/key-store.js";
import { copyKey } from "./copy.js";

/**
 * Signing keys in this closure's memory. `put` with a known `kid` replaces that
 * key (how a key is retired); `list` is newest first, by `createdAt`, then by
 * most recently put.
 */
export function memoryKeyStore(): KeyStore {
  const keys = new Map<string, { key: StoredKey; seq: number }>();
  let seq = 0;
  return {
    consistency: "atomic",
    async list(): Promise<StoredKey[]> {
      return [...keys.values()]
        .sort((a, b) => b.key.createdAt.getTime() - a.key.createdAt.getTime() || b.seq - a.seq)
        .map(({ key }) => copyKey(key));
    },
    async put(key: StoredKey): Promise<void> {
      const existing = keys.get(key.kid);
      keys.set(key.kid, { key: copyKey(key), seq: existing?.seq ?? ++seq });
    },
  };
}
