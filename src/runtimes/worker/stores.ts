/**
 * The gateway's stores on D1: the core set (users, credentials, sessions, audit, API keys,
 * access) plus `singleUse`, which the OAuth flow (one callback per state) and the email links
 * (one redemption per token) require to be atomic. D1's single-use store is one statement per
 * operation (DELETE ... RETURNING), so it is.
 */
import { d1CoreStores, d1Stores, type D1CoreStores, type D1DatabaseLike } from "../../adapters/d1/index.js";
import type { SingleUseStore } from "../../index.js";

export type GatewayStores = D1CoreStores & { singleUse: SingleUseStore };

export function d1GatewayStores(db: D1DatabaseLike): GatewayStores {
  return { ...d1CoreStores(db), singleUse: d1Stores(db).singleUse };
}
