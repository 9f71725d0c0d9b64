import type { CredentialStore } from "../../ports/credential-store.js";
import type { KeyStore } from "../../ports/key-store.js";
import type { SessionStore } from "../../ports/session-store.js";
import type { UserStore } from "../../ports/user-store.js";
import { type MemoryAuditSink, memoryAuditSink } from "./audit-sink.js";
import { memoryIdentityStores } from "./identity-stores.js";
import { memoryKeyStore } from "./key-store.js";
import { memorySessionStore } from "./session-store.js";

export { type MemoryAuditSink, memoryAuditSink } from "./audit-sink.js";
export { type MemoryIdentityStores, memoryIdentityStores } from "./identity-stores.js";
export { memoryKeyStore } from "./key-store.js";
export { memorySessionStore } from "./session-store.js";

export interface MemoryStores {
  users: UserStore;
  credentials: CredentialStore;
  sessions: SessionStore;
  audit: MemoryAuditSink;
  keys: KeyStore;
}

/**
 * Every store in memory, all `atomic`: for tests, demos and single-process
 * development. Each call returns fresh, independent state (nothing is
 * module-global), so one isolate never shares it across requests by accident.
 */
export function memoryStores(): MemoryStores {
  const { users, credentials } = memoryIdentityStores();
  return { users, credentials, sessions: memorySessionStore(), audit: memoryAuditSink(), keys: memoryKeyStore() };
}
