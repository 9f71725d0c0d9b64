import { and, asc, eq, sql } from "drizzle-orm";
import type { Credential, CredentialStore, CredentialType, NewCredential } from "../../ports/credential-store.js";
import type { NewUser, User, UserPatch, UserStore } from "../../ports/user-store.js";
import { credentialRow, userRow } from "../sql-rows.js";
import type { StorageGuard } from "../storage-guard.js";
import type { PostgresDatabase } from "./database.js";
import { postgresConflict } from "./errors.js";
import { credentials, users } from "./schema.js";


export function postgresUserStore(db: PostgresDatabase, guard: StorageGuard): UserStore {
  // The read path's lookups, prepared: one round trip each once a connection has seen them.
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder("id"))).limit(1).prepare("portcullis_users_find_by_id");
  const byEmail = db.select().from(users).where(eq(users.email, sql.placeholder("email"))).limit(1).prepare("portcullis_users_find_by_email");

  return {
    consistency: "atomic",

    async create(user: NewUser, initial: readonly NewCredential[]): Promise<User> {
      const row = userRow(user);
      // A concurrent create with the same email waits on the unique index, then fails with 23505.
      await guard(
        "users.create",
        () =>
          db.transaction(async (tx) => {
            await tx.insert(users).values(row);
            if (initial.length > 0) await tx.insert(credentials).values(initial.map(credentialRow));
          }),
        postgresConflict,
      );
      return { ...row, createdAt: new Date(row.createdAt.getTime()), updatedAt: new Date(row.updatedAt.getTime()) };
    },

    findById: (id: string): Promise<User | null> => guard("users.findById", async () => (await byId.execute({ id }))[0] ?? null),

    findByEmail: (email: string): Promise<User | null> => guard("users.findByEmail", async () => (await byEmail.execute({ email }))[0] ?? null),

    update(id: string, patch: UserPatch): Promise<User | null> {
      // Undefined fields are left alone (Drizzle skips them); null clears `name`.
      const values = { email: patch.email, emailVerified: patch.emailVerified, name: patch.name, updatedAt: patch.updatedAt };
      return guard("users.update", async () => (await db.update(users).set(values).where(eq(users.id, id)).returning())[0] ?? null, postgresConflict);
    },

    async delete(id: string): Promise<void> {
      // Postgres always enforces foreign keys: ON DELETE CASCADE takes the credentials, API keys, memberships,
      // role attachments and grants in the same statement.
      await guard("users.delete", () => db.delete(users).where(eq(users.id, id)));
    },
  };
}

export function postgresCredentialStore(db: PostgresDatabase, guard: StorageGuard): CredentialStore {
  return {
    consistency: "atomic",

    async add(credential: NewCredential): Promise<void> {
      await guard("credentials.add", () => db.insert(credentials).values(credentialRow(credential)), postgresConflict);
    },

    listByUser(userId: string, type?: CredentialType): Promise<Credential[]> {
      const where = type === undefined ? eq(credentials.userId, userId) : and(eq(credentials.userId, userId), eq(credentials.type, type));
      return guard("credentials.listByUser", () => db.select().from(credentials).where(where).orderBy(asc(credentials.createdAt), asc(credentials.id)));
    },

    findByIdentifier(type: CredentialType, identifier: string): Promise<Credential | null> {
      return guard(
        "credentials.findByIdentifier",
        async () =>
          (
            await db
              .select()
              .from(credentials)
              .where(and(eq(credentials.type, type), eq(credentials.identifier, identifier)))
              .limit(1)
          )[0] ?? null,
      );
    },

    async updateSecret(id: string, secret: string, updatedAt: Date): Promise<void> {
      await guard("credentials.updateSecret", () => db.update(credentials).set({ secret, updatedAt }).where(eq(credentials.id, id)));
    },

    async remove(id: string): Promise<void> {
      await guard("credentials.remove", () => db.delete(credentials).where(eq(credentials.id, id)));
    },
  };
}
