import type { Store } from "./consistency.js";

export type SigningAlgorithm = "EdDSA" | "ES256";

export interface StoredKey {
  kid: string;
  alg: SigningAlgorithm;
  /** Private JWK (for signing); public half is derived for the JWKS. */
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  createdAt: Date;
  /** Newest active key signs; retired keys still verify until they expire. */
  status: "active" | "retired";
}

export interface KeyStore extends Store {
  /** All keys that may verify, newest first. */
  list(): Promise<StoredKey[]>;
  /** Adds a key; when `status` is active it becomes the signing key. */
  put(key: StoredKey): Promise<void>;
}
