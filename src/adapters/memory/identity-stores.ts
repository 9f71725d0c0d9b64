import type { StorageError } from "../../core/errors.js";
import type { Credential, CredentialStore, CredentialType, NewCredential } from "../../ports/credential-store.js";
import type { NewUser, User, UserPatch, UserStore } from "../../ports/user-store.js";
import { credentialTaken, emailTaken, storageError } from "../storage-guard.js";
import { byCreatedAt, copyCredential, copyUser } from "./copy.js";

export interface MemoryIdentityStores {
  users: UserStore;
  credentials: CredentialStore;
}

/** Mirrors what the SQL stores report, so the same conformance suite passes. */
function constraint(operation: string, detail: string): StorageError {
  return storageError("memory", operation, new Error(detail));
}

/**
 * Users and credentials over one shared state, so `users.create` can write the
 * user and its credentials all-or-nothing. Enforces the same constraints as the
 * SQL schema: unique email, unique (type, identifier) when identifier is set,
 * credentials only for existing users. State lives in this closure only.
 */
export function memoryIdentityStores(): MemoryIdentityStores {
  const usersById = new Map<string, User>();
  const userIdByEmail = new Map<string, string>();
  const credentialsById = new Map<string, Credential>();
  const credentialIdsByUser = new Map<string, Set<string>>();
  const credentialIdByKey = new Map<string, string>();

  const identifierKey = (type: CredentialType, identifier: string): string => `${type}\u0000${identifier}`;

  /** Checks one credential against the state plus those earlier in the same write; throws on a violation. */
  function checkCredential(operation: string, credential: NewCredential, pending: readonly NewCredential[], pendingUserId: string | null): void {
    if (credentialsById.has(credential.id) || pending.some((other) => other.id === credential.id)) {
      throw constraint(operation, "UNIQUE constraint failed: credentials.id");
    }
    if (credential.identifier !== null) {
      const key = identifierKey(credential.type, credential.identifier);
      const taken = credentialIdByKey.has(key) || pending.some((o) => o.identifier !== null && identifierKey(o.type, o.identifier) === key);
      if (taken) throw credentialTaken();
    }
    if (!usersById.has(credential.userId) && credential.userId !== pendingUserId) {
      throw constraint(operation, "FOREIGN KEY constraint failed");
    }
  }

  function insertCredential(credential: NewCredential): void {
    const stored = copyCredential({ ...credential, updatedAt: credential.createdAt });
    credentialsById.set(stored.id, stored);
    let ids = credentialIdsByUser.get(stored.userId);
    if (ids === undefined) credentialIdsByUser.set(stored.userId, (ids = new Set()));
    ids.add(stored.id);
    if (stored.identifier !== null) credentialIdByKey.set(identifierKey(stored.type, stored.identifier), stored.id);
  }

  function deleteCredential(id: string): void {
    const stored = credentialsById.get(id);
    if (stored === undefined) return;
    credentialsById.delete(id);
    const ids = credentialIdsByUser.get(stored.userId);
    ids?.delete(id);
    if (ids?.size === 0) credentialIdsByUser.delete(stored.userId);
    if (stored.identifier !== null) credentialIdByKey.delete(identifierKey(stored.type, stored.identifier));
  }

  const users: UserStore = {
    consistency: "atomic",

    async create(user: NewUser, initial: readonly NewCredential[]): Promise<User> {
      // Validate everything first, then apply: all-or-nothing without rollback.
      if (userIdByEmail.has(user.email)) throw emailTaken();
      if (usersById.has(user.id)) throw constraint("users.create", "UNIQUE constraint failed: users.id");
      initial.forEach((credential, index) => checkCredential("users.create", credential, initial.slice(0, index), user.id));

      const stored = copyUser({ ...user, updatedAt: user.createdAt });
      usersById.set(stored.id, stored);
      userIdByEmail.set(stored.email, stored.id);
      for (const credential of initial) insertCredential(credential);
      return copyUser(stored);
    },

    async findById(id: string): Promise<User | null> {
      const stored = usersById.get(id);
      return stored === undefined ? null : copyUser(stored);
    },

    async findByEmail(email: string): Promise<User | null> {
      const id = userIdByEmail.get(email);
      const stored = id === undefined ? undefined : usersById.get(id);
      return stored === undefined ? null : copyUser(stored);
    },

    async update(id: string, patch: UserPatch): Promise<User | null> {
      const current = usersById.get(id);
      if (current === undefined) return null;
      const email = patch.email ?? current.email;
      const owner = userIdByEmail.get(email);
      if (owner !== undefined && owner !== id) throw emailTaken();

      const next = copyUser({
        ...current,
        email,
        emailVerified: patch.emailVerified ?? current.emailVerified,
        name: patch.name === undefined ? current.name : patch.name,
        updatedAt: patch.updatedAt,
      });
      userIdByEmail.delete(current.email);
      userIdByEmail.set(next.email, id);
      usersById.set(id, next);
      return copyUser(next);
    },

    async delete(id: string): Promise<void> {
      const current = usersById.get(id);
      if (current === undefined) return;
      for (const credentialId of [...(credentialIdsByUser.get(id) ?? [])]) deleteCredential(credentialId);
      usersById.delete(id);
      userIdByEmail.delete(current.email);
    },
  };

  const credentials: CredentialStore = {
    consistency: "atomic",

    async add(credential: NewCredential): Promise<void> {
      checkCredential("credentials.add", credential, [], null);
      insertCredential(credential);
    },

    async listByUser(userId: string, type?: CredentialType): Promise<Credential[]> {
      const found: Credential[] = [];
      for (const id of credentialIdsByUser.get(userId) ?? []) {
        const stored = credentialsById.get(id);
        if (stored !== undefined && (type === undefined || stored.type === type)) found.push(copyCredential(stored));
      }
      return found.sort(byCreatedAt);
    },

    async findByIdentifier(type: CredentialType, identifier: string): Promise<Credential | null> {
      const id = credentialIdByKey.get(identifierKey(type, identifier));
      const stored = id === undefined ? undefined : credentialsById.get(id);
      return stored === undefined ? null : copyCredential(stored);
    },

    async updateSecret(id: string, secret: string, updatedAt: Date): Promise<void> {
      const stored = credentialsById.get(id);
      if (stored === undefined) return;
      credentialsById.set(id, copyCredential({ ...stored, secret, updatedAt }));
    },

    async remove(id: string): Promise<void> {
      deleteCredential(id);
    },
  };

  return { users, credentials };
}
