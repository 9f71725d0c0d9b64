/**
 * What a store guarantees. `atomic` stores give linearizable single-key operations
 * (a conditional write either happens once or not at all); `eventual` stores may
 * serve stale reads for a while (Cloudflare KV: about 60 s). Features that must
 * happen at most once refuse an `eventual` store when `createAuth` starts.
 */
export type Consistency = "atomic" | "eventual";

export interface Store {
  readonly consistency: Consistency;
}
