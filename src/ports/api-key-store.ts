import type { Store } from "./consistency.js";
import type { Permission } from "./authorization.js";

/**
 * One API key, as stored. The secret itself is never stored: only the SHA-256 (base64url)
 * of its secret part. `id` is the key's public lookup id (8 random bytes, base64url), the
 * part between `pk_<env>_` and the secret; `prefix` (`pk_live_<lookup>`) is what a UI shows.
 */
export interface ApiKeyRecord {
  id: string;
  /** The user (or service principal) the key acts for. */
  ownerId: string;
  tenantId: string | null;
  name: string;
  /** Public, e.g. `pk_live_AbC123xyz_-`: the key without its secret. */
  prefix: string;
  /** SHA-256 of the secret part, base64url. */
  secretHash: string;
  /** Permission patterns (authz grammar): an upper bound on what the key may do. */
  scopes: Permission[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt?: Date | null;
}

/**
 * Where API keys live. `findByLookup` is the only call on the read path. Every method
 * throws `StorageError` when the backend fails, so callers fail closed.
 */
export interface ApiKeyStore extends Store {
  /** Never overwrites: a second record under the same id is a `StorageError`. */
  create(record: ApiKeyRecord): Promise<void>;
  /** The record whose `id` is this lookup id, revoked or expired ones included; null when none. */
  findByLookup(lookupId: string): Promise<ApiKeyRecord | null>;
  /** The owner's keys, oldest first, revoked and expired ones included. */
  listByOwner(ownerId: string): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked at `at` (idempotent: the first revocation time is kept); no-op when unknown. */
  revoke(id: string, at: Date): Promise<void>;
}
