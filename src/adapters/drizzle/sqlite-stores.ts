/**
 * Port implementations over any Drizzle SQLite database: D1 (async) and
 * better-sqlite3 (sync; its queries are awaitable all the same). Backend
 * specifics stay in the thin per-backend folder: how to run several writes
 * all-or-nothing and the label used in error messages. One file per store here;
 * this one only assembles them.
 */
import type { AccessStore } from "../../ports/access-store.js";
import type { ApiKeyStore } from "../../ports/api-key-store.js";
import type { AuditSink } from "../../ports/audit-sink.js";
import type { Store } from "../../ports/consistency.js";
import type { CounterStore } from "../../ports/counter-store.js";
import type { CredentialStore } from "../../ports/credential-store.js";
import type { KeyStore } from "../../ports/key-store.js";
import type { SessionStore } from "../../ports/session-store.js";
import type { SingleUseStore } from "../../ports/single-use-store.js";
import type { UserStore } from "../../ports/user-store.js";
import { sqliteAccessStore } from "./sqlite-access-store.js";
import { sqliteApiKeyStore } from "./sqlite-api-key-store.js";
import { sqliteCounterStore, sqliteSingleUseStore } from "./sqlite-atomic-stores.js";
import { sqliteAuditSink } from "./sqlite-audit-sink.js";
import type { SQLiteDatabase, SQLiteStoreOptions } from "./sqlite-database.js";
import { sqliteCredentialStore, sqliteUserStore } from "./sqlite-identity-stores.js";
import { sqliteKeyStore } from "./sqlite-key-store.js";
import { sqliteSessionStore } from "./sqlite-session-store.js";

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
