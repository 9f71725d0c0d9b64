/**
 * One PasswordHasher over several algorithms: new hashes use `primary`, stored hashes are
 * verified by whichever hasher owns their PHC id, so old PBKDF2 hashes keep working, and
 * `needsRehash` tells the sign-in flow when to replace a stored hash with a primary one
 * (after a successful verify, with the plaintext it just checked).
 */
import { ConfigurationError } from "../../core/errors.js";
import type { PasswordHasher } from "../../ports/password-hasher.js";
import { PasswordHashError, phcId } from "./phc.js";

export interface PasswordHashingOptions {
  primary: PasswordHasher;
  /** Hashers that only verify (and trigger a rehash). Ids must be distinct from each other and the primary. */
  legacy?: readonly PasswordHasher[];
}

export function passwordHashing(options: PasswordHashingOptions): PasswordHasher {
  const { primary } = options;
  const byId = new Map<string, PasswordHasher>([[primary.id, primary]]);
  for (const hasher of options.legacy ?? []) {
    // Two hashers for one id would make the choice depend on list order: refuse at start-up.
    if (byId.has(hasher.id)) throw new ConfigurationError(`Duplicate password hasher id: ${hasher.id}`);
    byId.set(hasher.id, hasher);
  }

  function owner(hash: string): PasswordHasher {
    const id = phcId(hash);
    if (id === undefined) throw new PasswordHashError("malformed", "Malformed password hash: not a PHC string");
    const hasher = byId.get(id);
    // Fail closed: an unknown algorithm is never treated as a wrong password nor as a match.
    if (hasher === undefined) throw new PasswordHashError("unsupported", "Unsupported password hash algorithm");
    return hasher;
  }

  return {
    id: primary.id,
    hash: (password: string): Promise<string> => primary.hash(password),
    // async so an unknown or malformed hash is a rejected promise, like every other failure.
    verify: async (hash: string, password: string): Promise<boolean> => owner(hash).verify(hash, password),
    needsRehash(hash: string): boolean {
      if (phcId(hash) !== primary.id) return true;
      return primary.needsRehash(hash);
    },
  };
}
