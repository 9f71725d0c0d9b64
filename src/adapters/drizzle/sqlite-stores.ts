/**
 * Port implementations over any Drizzle SQLite database: D1 (async) and
 * better-sqlite3 (sync; its queries are awaitable all the same). Backend
 * specifics stay in the thin per-backend folder: how to run several writes
 * all-or-nothing and the label used in error messages.
 */
import { and, asc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { Clock } from "../../core/context.js";
import type { AccessStore } from "../../ports/access-store.js";
import type { ApiKeyStore } from "../../ports/api-key-store.js";
import type { AuditEvent, AuditSink } from "../../ports/audit-sink.js";
import type { Store } from "../../ports/consistency.js";
import type { CounterStore } from "../../ports/counter-store.js";
import type { Credential, CredentialStore, CredentialType, NewCredential } from "../../ports/credential-store.js";
import type { KeyStore } from "../../ports/key-store.js";
import type { SessionRecord, SessionStore } from "../../ports/session-store.js";
import type { SingleUseStore } from "../../ports/single-use-store.js";
import type { NewUser, User, UserPatch, UserStore } from "../../ports/user-store.js";
import { auditRow, credentialRow, sessionRow, userRow } from "../sql-rows.js";
import { credentialWriteError, storageError, userWriteError } from "./errors.js";
import { sqliteAccessStore } from "./sqlite-access-store.js";
import { sqliteApiKeyStore } from "./sqlite-api-key-store.js";
import { sqliteCounterStore, sqliteSingleUseStore } from "./sqlite-atomic-stores.js";
import { sqliteKeyStore } from "./sqlite-key-store.js";
import { apiKeys, auditEvents, credentials, grants, memberships, roleAssignments, sessions, users } from "./sqlite-schema.js";

/** A Drizzle SQLite database, whatever the driver (D1 is async, better-sqlite3 sync). */
export type SQLiteDatabase = BaseSQLiteDatabase<"sync" | "async", unknown>;

/** A write statement built from a `SQLiteDatabase`, not yet run. */
export type SQLiteWrite = BatchItem<"sqlite">;

export interface SQLiteStoreOptions {
  /** Names the backend in error messages: "d1 users.findByEmail failed". */
  label: string;
  /** Runs the writes all-or-nothing (D1 and libSQL: `db.batch`; better-sqlite3: a transaction). */
  atomic(writes: readonly [SQLiteWrite, ...SQLiteWrite[]]): Promise<unknown>;
  /**
   * The time counters and single-use values expire against, and role attachments and
   * grants are stamped with; `systemClock` when omitted.
   */
  clock?: Clock;
}

/** The stores `createAuth` uses on the read and sign-in paths, API keys and tenancy included. */
export interface SQLiteCoreStores {
  users: UserStore;
  credentials: CredentialStore;
  sessions: SessionStore;
  audit: AuditSink & Store;
  apiKeys: ApiKeyStore;
  access: AccessStore;
}

export interface SQLiteStores extends SQLiteCoreStores {
  keys: KeyStore;
  counters: CounterStore;
  singleUse: SingleUseStore;
}

/**
 * Only the stores core needs: a separate factory so bundles that never use keys,
 * counters or single-use values (the gateway Worker) do not carry their code.
 */
export function sqliteCoreStores(db: SQLiteDatabase, options: SQLiteStoreOptions): SQLiteCoreStores {
  return {
    users: sqliteUserStore(db, options),
    credentials: sqliteCredentialStore(db, options),
    sessions: sqliteSessionStore(db, options),
    audit: sqliteAuditSink(db, options),
    apiKeys: sqliteApiKeyStore(db, options),
    access: sqliteAccessStore(db, options),
  };
}

/** Every store over one database. SQLite has one writer, so every store is atomic. */
export function sqliteFamilyStores(db: SQLiteDatabase, options: SQLiteStoreOptions): SQLiteStores {
  return {
    ...sqliteCoreStores(db, options),
    keys: sqliteKeyStore(db, options),
    counters: sqliteCounterStore(db, options),
    singleUse: sqliteSingleUseStore(db, options),
  };
}


export function sqliteUserStore(db: SQLiteDatabase, options: SQLiteStoreOptions): UserStore {
  const { label } = options;
  return {
    consistency: "atomic",

    async create(user: NewUser, initial: readonly NewCredential[]): Promise<User> {
      const row = userRow(user);
      try {
        await options.atomic([
          db.insert(users).values(row),
          ...initial.map((credential) => db.insert(credentials).values(credentialRow(credential))),
        ]);
      } catch (error) {
        throw userWriteError(label, "users.create", error);
      }
      return { ...row, createdAt: new Date(row.createdAt.getTime()), updatedAt: new Date(row.updatedAt.getTime()) };
    },

    async findById(id: string): Promise<User | null> {
      try {
        const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
        return row ?? null;
      } catch (error) {
        throw storageError(label, "users.findById", error);
      }
    },

    async findByEmail(email: string): Promise<User | null> {
      try {
        const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
        return row ?? null;
      } catch (error) {
        throw storageError(label, "users.findByEmail", error);
      }
    },

    async update(id: string, patch: UserPatch): Promise<User | null> {
      // Undefined fields are left alone (Drizzle skips them); null clears `name`.
      const values = { email: patch.email, emailVerified: patch.emailVerified, name: patch.name, updatedAt: patch.updatedAt };
      try {
        const [row] = await db.update(users).set(values).where(eq(users.id, id)).returning();
        return row ?? null;
      } catch (error) {
        throw userWriteError(label, "users.update", error);
      }
    },

    async delete(id: string): Promise<void> {
      // Explicit rather than ON DELETE CASCADE: SQLite drivers other than D1 ship with foreign keys off,
      // and a deleted user must leave no credential, usable API key, membership or assignment behind.
      try {
        await options.atomic([
          db.delete(credentials).where(eq(credentials.userId, id)),
          db.delete(apiKeys).where(eq(apiKeys.ownerId, id)),
          db.delete(memberships).where(eq(memberships.principalId, id)),
          db.delete(roleAssignments).where(eq(roleAssignments.principalId, id)),
          db.delete(grants).where(eq(grants.principalId, id)),
          db.delete(users).where(eq(users.id, id)),
        ]);
      } catch (error) {
        throw storageError(label, "users.delete", error);
      }
    },
  };
}

export function sqliteCredentialStore(db: SQLiteDatabase, options: SQLiteStoreOptions): CredentialStore {
  const { label } = options;
  return {
    consistency: "atomic",

    async add(credential: NewCredential): Promise<void> {
      try {
        await db.insert(credentials).values(credentialRow(credential));
      } catch (error) {
        throw credentialWriteError(label, "credentials.add", error);
      }
    },

    async listByUser(userId: string, type?: CredentialType): Promise<Credential[]> {
      const where = type === undefined ? eq(credentials.userId, userId) : and(eq(credentials.userId, userId), eq(credentials.type, type));
      try {
        return await db.select().from(credentials).where(where).orderBy(asc(credentials.createdAt), asc(credentials.id));
      } catch (error) {
        throw storageError(label, "credentials.listByUser", error);
      }
    },

    async findByIdentifier(type: CredentialType, identifier: string): Promise<Credential | null> {
      try {
        const [row] = await db
          .select()
          .from(credentials)
          .where(and(eq(credentials.type, type), eq(credentials.identifier, identifier)))
          .limit(1);
        return row ?? null;
      } catch (error) {
        throw storageError(label, "credentials.findByIdentifier", error);
      }
    },

    async updateSecret(id: string, secret: string, updatedAt: Date): Promise<void> {
      try {
        await db.update(credentials).set({ secret, updatedAt }).where(eq(credentials.id, id));
      } catch (error) {
        throw storageError(label, "credentials.updateSecret", error);
      }
    },

    async remove(id: string): Promise<void> {
      try {
        await db.delete(credentials).where(eq(credentials.id, id));
      } catch (error) {
        throw storageError(label, "credentials.remove", error);
      }
    },
  };
}

export function sqliteSessionStore(db: SQLiteDatabase, options: SQLiteStoreOptions): SessionStore {
  const { label } = options;
  return {
    consistency: "atomic",

    async create(session: SessionRecord): Promise<void> {
      try {
        await db.insert(sessions).values(sessionRow(session));
      } catch (error) {
        throw storageError(label, "sessions.create", error);
      }
    },

    async get(id: string): Promise<SessionRecord | null> {
      try {
        const [row] = await db.select().from(sessions).where(eq(sessions.id, id)).limit(1);
        return row ?? null;
      } catch (error) {
        throw storageError(label, "sessions.get", error);
      }
    },

    async touch(id: string, idleExpiresAt: Date): Promise<void> {
      try {
        await db.update(sessions).set({ idleExpiresAt }).where(eq(sessions.id, id));
      } catch (error) {
        throw storageError(label, "sessions.touch", error);
      }
    },

    async delete(id: string): Promise<void> {
      try {
        await db.delete(sessions).where(eq(sessions.id, id));
      } catch (error) {
        throw storageError(label, "sessions.delete", error);
      }
    },

    async listByUser(userId: string): Promise<SessionRecord[]> {
      try {
        return await db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(asc(sessions.createdAt), asc(sessions.id));
      } catch (error) {
        throw storageError(label, "sessions.listByUser", error);
      }
    },

    async deleteByUser(userId: string): Promise<void> {
      try {
        await db.delete(sessions).where(eq(sessions.userId, userId));
      } catch (error) {
        throw storageError(label, "sessions.deleteByUser", error);
      }
    },
  };
}

export function sqliteAuditSink(db: SQLiteDatabase, options: SQLiteStoreOptions): AuditSink & Store {
  const { label } = options;
  return {
    consistency: "atomic",

    /** Idempotent on `id`: a retried write of an accepted event resolves and stores it once. */
    async write(event: AuditEvent): Promise<void> {
      try {
        await db
          .insert(auditEvents)
          .values(auditRow(event))
          .onConflictDoNothing({ target: auditEvents.id });
      } catch (error) {
        throw storageError(label, "audit.write", error);
      }
    },
  };
}

/** Reads audit rows back as events (newest last); for dashboards and tests, not a port method. */
export async function listSQLiteAuditEvents(db: SQLiteDatabase, options: { label: string; userId?: string }): Promise<AuditEvent[]> {
  try {
    const query = db.select().from(auditEvents);
    const rows = await (options.userId === undefined ? query : query.where(eq(auditEvents.userId, options.userId))).orderBy(
      asc(auditEvents.at),
      asc(auditEvents.id),
    );
    return rows.map(({ detail, ...rest }) => (detail === null ? rest : { ...rest, detail }));
  } catch (error) {
    throw storageError(options.label, "audit.list", error);
  }
}
