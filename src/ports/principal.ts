/**
 * Who is acting, as the read path sees it: enough to authorize and to forward
 * as identity headers, nothing that needs a store read. Phase 2 adds `service`
 * and `api_key` principals beside `user`; consumers switch on `type` rather
 * than assuming a human.
 */
export interface UserPrincipal {
  type: "user";
  id: string;
  email: string;
  emailVerified: boolean;
  name: string | null;
  /** The tenant this session acts in (from the session record); null outside any tenant. */
  tenantId: string | null;
}

/**
 * A request made with an API key. It has no session and no email: the key acts for
 * `ownerId` (a user or service principal), within `tenantId`, bounded by `scopes`.
 */
export interface ApiKeyPrincipal {
  type: "api_key";
  /** The key's public id (its lookup id). */
  id: string;
  ownerId: string;
  tenantId: string | null;
  name: string;
  scopes: readonly string[];
}

export type Principal = UserPrincipal | ApiKeyPrincipal;
