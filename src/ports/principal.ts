import type { User } from "./user-store.js";

/**
 * Who is acting. Phase 2 adds `service` and `api_key` principals beside `user`;
 * consumers switch on `type` rather than assuming a human.
 */
export interface UserPrincipal {
  type: "user";
  id: string;
  user: User;
}

export type Principal = UserPrincipal;
