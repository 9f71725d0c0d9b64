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
}

export type Principal = UserPrincipal;
