import type { Store } from "./consistency.js";
import type { NewCredential } from "./credential-store.js";

/** A principal is not always a human: `kind` leaves room for service accounts. */
export type PrincipalKind = "user" | "service";

export interface User {
  id: string;
  kind: PrincipalKind;
  /** Normalised (NFKC, lower case); unique. */
  email: string;
  emailVerified: boolean;
  name: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  id: string;
  kind: PrincipalKind;
  email: string;
  emailVerified: boolean;
  name: string | null;
  createdAt: Date;
}

export type UserPatch = Partial<Pick<User, "email" | "emailVerified" | "name">> & { updatedAt: Date };

export interface UserStore extends Store {
  /**
   * Creates the user and its first credentials in one atomic write: either all
   * rows exist afterwards or none do. Throws `ConflictError` when the email is taken.
   */
  create(user: NewUser, credentials: readonly NewCredential[]): Promise<User>;
  findById(id: string): Promise<User | null>;
  /** `email` is already normalised by the caller. */
  findByEmail(email: string): Promise<User | null>;
  /** Returns the updated user, or null when it does not exist. */
  update(id: string, patch: UserPatch): Promise<User | null>;
  /** Removes the user and its credentials (sign-up compensation, account deletion). */
  delete(id: string): Promise<void>;
}
