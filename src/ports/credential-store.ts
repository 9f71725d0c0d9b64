import type { Store } from "./consistency.js";

/**
 * A way to prove who you are, hanging off a principal as its own record (never a
 * column of the user), so OAuth accounts, passkeys and TOTP factors arrive as new
 * `type`s without a data-model rewrite.
 */
export type CredentialType = "password" | (string & {});

export interface Credential {
  id: string;
  userId: string;
  type: CredentialType;
  /**
   * Lookup key within a type for credentials found before the user is known
   * (OAuth "provider:subject", a passkey credential id); null for passwords.
   */
  identifier: string | null;
  /** Verifier material: a PHC hash, a public key... never a plaintext secret. */
  secret: string;
  createdAt: Date;
  updatedAt: Date;
}

export type NewCredential = Omit<Credential, "updatedAt">;

export interface CredentialStore extends Store {
  add(credential: NewCredential): Promise<void>;
  listByUser(userId: string, type?: CredentialType): Promise<Credential[]>;
  findByIdentifier(type: CredentialType, identifier: string): Promise<Credential | null>;
  /** Replaces the verifier material (password rehash, passkey counter). */
  updateSecret(id: string, secret: string, updatedAt: Date): Promise<void>;
  remove(id: string): Promise<void>;
}
