/**
 * Every port on PostgreSQL through Drizzle, with postgres.js as the driver. Runs on
 * Node and, through Hyperdrive, on Workers (postgres.js picks its `cloudflare:sockets`
 * build there; the Worker needs the `nodejs_compat` flag). No `node:*` import here:
 * the Node-only migrator lives in `./migrate.ts`.
 *
 *   import postgres from "postgres";
 *   import { drizzle } from "drizzle-orm/postgres-js";
 *   const sql = postgres(process.env.DATABASE_URL, { max: 10, connect_timeout: 5 });
 *   const stores = postgresStores(drizzle(sql));
 *
 *   // Workers + Hyperdrive: one client per request (Hyperdrive pools the real connections)
 *   const sql = postgres(env.HYPERDRIVE.connectionString, { max: 5, fetch_types: false });
 *
 * Behind a transaction-mode pooler that does not track prepared statements
 * (PgBouncer < 1.21 in transaction mode, Supabase's port 6543), pass `prepare: false`:
 * it works, at two round trips per query instead of one. Direct connections,
 * session-mode pools and Hyperdrive (Cloudflare's postgres.js example keeps prepared
 * statements on) need nothing. `connect_timeout` bounds a connect attempt; every
 * store call also has its own deadline (`timeoutMs`). Note that `drizzle(sql)` makes
 * that postgres.js client return timestamps as strings (Drizzle turns them into
 * `Date`s itself): give the stores their own client if other code shares yours.
 */
import type { Clock } from "../../core/context.js";
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
import { postgresAccessStore } from "./access-store.js";
import { postgresApiKeyStore } from "./api-key-store.js";
import { postgresCounterStore, postgresPurgeExpired, postgresSingleUseStore } from "./atomic-stores.js";
import { postgresAuditSink } from "./audit-sink.js";
import type { PostgresDatabase } from "./database.js";
import { postgresCredentialStore, postgresUserStore } from "./identity-stores.js";
import { DEFAULT_TIMEOUT_MS, postgresGuard } from "./guard.js";
import { postgresKeyStore } from "./key-store.js";
import { postgresSessionStore } from "./session-store.js";

export type { PostgresDatabase } from "./database.js";
export type { PostgresDriverError } from "./errors.js";
export { postgresAuditEvents } from "./audit-sink.js";
export { postgresPurgeExpired };
export * from "./schema.js";

export interface PostgresStores {
  users: UserStore;
  credentials: CredentialStore;
  sessions: SessionStore;
  audit: AuditSink & Store;
  keys: KeyStore;
  counters: CounterStore;
  singleUse: SingleUseStore;
  apiKeys: ApiKeyStore;
  access: AccessStore;
}

export interface PostgresStoreOptions {
  /** The time counters and single-use values expire against, and assignments are stamped with; `systemClock` when omitted. */
  clock?: Clock;
  /**
   * Deadline for one store call, in ms (default 5000): past it the call rejects with
   * `StorageError` whatever the driver is still doing (connecting, backing off, waiting on a lock).
   */
  timeoutMs?: number;
}

/**
 * Every store on one PostgreSQL database, all `atomic`: single statements for the
 * race-prone primitives, a transaction for `users.create`, `access.removeMember` and
 * `access.updateAssignments`. Apply the migrations first (`migratePostgres(sql)` from
 * `./migrate.js`, or drizzle-kit).
 */
export function postgresStores(db: PostgresDatabase, options: PostgresStoreOptions = {}): PostgresStores {
  const guard = postgresGuard(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return {
    users: postgresUserStore(db, guard),
    credentials: postgresCredentialStore(db, guard),
    sessions: postgresSessionStore(db, guard),
    audit: postgresAuditSink(db, guard),
    keys: postgresKeyStore(db, guard),
    counters: postgresCounterStore(db, guard, options),
    singleUse: postgresSingleUseStore(db, guard, options),
    apiKeys: postgresApiKeyStore(db, guard),
    access: postgresAccessStore(db, guard, options),
  };
}
