import type { Store } from "./consistency.js";

export type SigningAlgorithm = "EdDSA" | "ES256";

/**
 * A JSON Web Key (RFC 7517) as stored: the members Web Crypto exports for Ed25519 and P-256
 * keys. Declared here rather than taken from the DOM lib's `JsonWebKey`, which runtimes' own
 * type packages (Bun's, for one) do not define.
 */
export interface JWK {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  alg?: string;
  kid?: string;
  use?: string;
  ext?: boolean;
  key_ops?: string[];
}

export interface StoredKey {
  kid: string;
  alg: SigningAlgorithm;
  /** Private JWK (for signing); public half is derived for the JWKS. */
  privateJwk: JWK;
  publicJwk: JWK;
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
