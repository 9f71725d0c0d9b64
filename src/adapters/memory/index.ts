import type { Clock } from "../../core/context.js";
import type { AccessStore } from "../../ports/access-store.js";
import type { ApiKeyStore } from "../../ports/api-key-store.js";
import type { CounterStore } from "../../ports/counter-store.js";
import type { CredentialStore } from "../../ports/credential-store.js";
import type { KeyStore } from "../../ports/key-store.js";
import type { SessionStore } from "../../ports/session-store.js";
import type { SingleUseStore } from "../../ports/single-use-store.js";
import type { UserStore } from "../../ports/user-store.js";
import { memoryAccessStore } from "./access-store.js";
import { memoryApiKeyStore } from "./api-key-store.js";
import { type MemoryAuditSink, memoryAuditSink } from "./audit-sink.js";
import { memoryIdentityStores } from "./identity-stores.js";
import { memoryCounterStore } from "./counter-store.js";
import { memoryKeyStore } from "./key-store.js";
import { memorySessionStore } from "./session-store.js";
import { memorySingleUseStore } from "./single-use-store.js";

export { memoryAccessStore } from "./access-store.js";
export { memoryApiKeyStore } from "./api-key-store.js";
export { type MemoryAuditSink, memoryAuditSink } from "./audit-sink.js";
export { type MemoryIdentityStores, memoryIdentityStores } from "./identity-stores.js";
export { memoryKeyStore } from "./key-store.js";
export { memorySessionStore } from "./session-store.js";
export { memoryCounterStore } from "./counter-store.js";
export { memorySingleUseStore } from "./single-use-store.js";

export interface MemoryStores {
  users: UserStore;
  credentials: CredentialStore;
  sessions: SessionStore;
  audit: MemoryAuditSink;
  keys: KeyStore;
  counters: CounterStore;
  singleUse: SingleUseStore;
  apiKeys: ApiKeyStore;
  access: AccessStore;
}

/**
 * Every store in memory, all `atomic`: for tests, demos and single-process
 * development. Each call returns fresh, independent state (nothing is
 * module-global), so one isolate never shares it across requests by accident.
 */
export function memoryStores(options: { clock?: Clock } = {}): MemoryStores {
  const { users, credentials } = memoryIdentityStores();
  return {
    users,
    credentials,
    sessions: memorySessionStore(),
    audit: memoryAuditSink(),
    keys: memoryKeyStore(),
    counters: memoryCounterStore(options),
    singleUse: memorySingleUseStore(options),
    apiKeys: memoryApiKeyStore(),
    access: memoryAccessStore(),
  };
}
