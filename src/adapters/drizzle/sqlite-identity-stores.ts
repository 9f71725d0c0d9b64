/**
 * Users and credentials on SQLite (D1 and better-sqlite3). A taken email or credential
 * identifier is a `ConflictError`; every other failure a `StorageError` (see errors.ts).
 */
import { and, asc, eq } from "drizzle-orm";
import type { Credential, CredentialStore, CredentialType, NewCredential } from "../../ports/credential-store.js";
import type { NewUser, User, UserPatch, UserStore } from "../../ports/user-store.js";
import { credentialRow, userRow } from "../sql-rows.js";
import { credentialConflict, sqliteGuard, userConflict } from "./errors.js";
import type { SQLiteDatabase, SQLiteStoreOptions } from "./sqlite-database.js";
import { apiKeys, credentials, grants, memberships, roleAssignments, users } from "./sqlite-schema.js";

export function sqliteUserStore(db: SQLiteDatabase, options: SQLiteStoreOptions): UserStore {
  const guard = sqliteGuard(options.label);
  return {
    consistency: "atomic",

    async create(user: NewUser, initial: readonly NewCredential[]): Promise<User> {
      const row = userRow(user);
      await guard(
        "users.create",
        () => options.atomic([db.insert(users).values(row), ...initial.map((credential) => db.insert(credentials).values(credentialRow(credential)))]),
        userConflict,
      );
      return { ...row, createdAt: new Date(row.createdAt.getTime()), updatedAt: new Date(row.updatedAt.getTime()) };
    },

    findById: (id: string): Promise<User | null> =>
      guard("users.findById", async () => (await db.select().from(users).where(eq(users.id, id)).limit(1))[0] ?? null),

    findByEmail: (email: string): Promise<User | null> =>
      guard("users.findByEmail", async () => (await db.select().from(users).where(eq(users.email, email)).limit(1))[0] ?? null),

    update(id: string, patch: UserPatch): Promise<User | null> {
      // Undefined fields are left alone (Drizzle skips them); null clears `name`.
      const values = { email: patch.email, emailVerified: patch.emailVerified, name: patch.name, updatedAt: patch.updatedAt };
      return guard("users.update", async () => (await db.update(users).set(values).where(eq(users.id, id)).returning())[0] ?? null, userConflict);
    },

    async delete(id: string): Promise<void> {
      // Explicit rather than ON DELETE CASCADE: SQLite drivers other than D1 ship with foreign keys off,
      // and a deleted user must leave no credential, usable API key, membership or assignment behind.
      await guard("users.delete", () =>
        options.atomic([
          db.delete(credentials).where(eq(credentials.userId, id)),
          db.delete(apiKeys).where(eq(apiKeys.ownerId, id)),
          db.delete(memberships).where(eq(memberships.principalId, id)),
          db.delete(roleAssignments).where(eq(roleAssignments.principalId, id)),
          db.delete(grants).where(eq(grants.principalId, id)),
          db.delete(users).where(eq(users.id, id)),
        ]),
      );
    },
  };
}

export function sqliteCredentialStore(db: SQLiteDatabase, options: { label: string }): CredentialStore {
  const guard = sqliteGuard(options.label);
  return {
    consistency: "atomic",

    async add(credential: NewCredential): Promise<void> {
      await guard("credentials.add", () => db.insert(credentials).values(credentialRow(credential)), credentialConflict);
    },

    listByUser(userId: string, type?: CredentialType): Promise<Credential[]> {
      const where = type === undefined ? eq(credentials.userId, userId) : and(eq(credentials.userId, userId), eq(credentials.type, type));
      return guard("credentials.listByUser", () => db.select().from(credentials).where(where).orderBy(asc(credentials.createdAt), asc(credentials.id)));
    },

    findByIdentifier: (type: CredentialType, identifier: string): Promise<Credential | null> =>
      guard(
        "credentials.findByIdentifier",
        async () =>
          (
            await db
              .select()
              .from(credentials)
              .where(and(eq(credentials.type, type), eq(credentials.identifier, identifier)))
              .limit(1)
          )[0] ?? null,
      ),

    async updateSecret(id: string, secret: string, updatedAt: Date): Promise<void> {
      await guard("credentials.updateSecret", () => db.update(credentials).set({ secret, updatedAt }).where(eq(credentials.id, id)));
    },

    async remove(id: string): Promise<void> {
      await guard("credentials.remove", () => db.delete(credentials).where(eq(credentials.id, id)));
    },
  };
}
