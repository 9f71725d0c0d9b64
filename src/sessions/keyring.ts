import { calculateJwkThumbprint } from "jose";
import type { Clock } from "../core/context.js";
import { ConfigurationError } from "../core/errors.js";
import type { JWK, KeyStore, SigningAlgorithm, StoredKey } from "../ports/key-store.js";
import { algorithmParams, type VerificationKey } from "./jws.js";

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  key: CryptoKey;
}

export interface PublicJWK extends JWK {
  kid: string;
  alg: SigningAlgorithm;
  use: "sig";
}

export interface Keyring {
  signingKey(): Promise<SigningKey>;
  /** Synchronous on a cache hit so the verify path adds no awaits. */
  verificationKey(kid: string): VerificationKey | null | Promise<VerificationKey | null>;
  jwks(): Promise<{ keys: PublicJWK[] }>;
}

interface Loaded {
  at: number;
  verify: Map<string, VerificationKey>;
  publicJwks: PublicJWK[];
  newest: StoredKey | null;
}

/** An unknown `kid` may force a reload, but not more often than this: it is attacker-controlled. */
const MIN_RELOAD_INTERVAL_MS = 30_000;

/**
 * Imports keys from the key store once and caches the CryptoKeys, so verifying
 * a token costs one `crypto.subtle.verify` and no store read. When the store is
 * empty, the first signer generates a key and stores it; rotation is adding a
 * newer key (the newest active one signs, all listed ones verify).
 */
export function createKeyring(store: KeyStore, options: { algorithm: SigningAlgorithm; cacheTtlMs: number; clock: Clock }): Keyring {
  let loaded: Loaded | null = null;
  let loading: Promise<Loaded> | null = null;
  let signer: { kid: string; key: CryptoKey } | null = null;
  // Concurrent first signers in one isolate share one new key instead of each adding one.
  let generating: Promise<void> | null = null;

  async function load(): Promise<Loaded> {
    loading ??= (async (): Promise<Loaded> => {
      try {
        const keys = await store.list();
        const verify = new Map<string, VerificationKey>();
        const publicJwks: PublicJWK[] = [];
        for (const stored of keys) {
          const key = await crypto.subtle.importKey("jwk", stored.publicJwk, importParams(stored.alg), false, ["verify"]);
          verify.set(stored.kid, { alg: stored.alg, key });
          publicJwks.push(publicOnly(stored));
        }
        const newest = keys.find((key) => key.status === "active" && key.alg === options.algorithm) ?? null;
        loaded = { at: options.clock.now().getTime(), verify, publicJwks, newest };
        return loaded;
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  function fresh(now: number): Loaded | null {
    return loaded !== null && now - loaded.at < options.cacheTtlMs ? loaded : null;
  }

  return {
    async signingKey(): Promise<SigningKey> {
      let state = fresh(options.clock.now().getTime()) ?? (await load());
      if (state.newest === null) {
        generating ??= (async (): Promise<void> => {
          await store.put(await generateKey(options.algorithm, options.clock));
          await load();
        })().finally(() => {
          generating = null;
        });
        await generating;
        state = loaded ?? (await load());
      }
      const newest = state.newest;
      if (newest === null) throw new ConfigurationError(`key store holds no active ${options.algorithm} key`);
      if (signer?.kid !== newest.kid) {
        signer = { kid: newest.kid, key: await crypto.subtle.importKey("jwk", newest.privateJwk, importParams(newest.alg), false, ["sign"]) };
      }
      return { kid: newest.kid, alg: newest.alg, key: signer.key };
    },

    verificationKey(kid: string): VerificationKey | null | Promise<VerificationKey | null> {
      const now = options.clock.now().getTime();
      const state = fresh(now);
      const hit = state?.verify.get(kid);
      if (hit !== undefined) return hit;
      if (loaded !== null && state !== null && now - loaded.at < MIN_RELOAD_INTERVAL_MS) return null;
      return load().then((next) => next.verify.get(kid) ?? null);
    },

    async jwks(): Promise<{ keys: PublicJWK[] }> {
      const state = fresh(options.clock.now().getTime()) ?? (await load());
      return { keys: state.publicJwks };
    },
  };
}

function importParams(alg: SigningAlgorithm): AlgorithmIdentifier | EcKeyImportParams {
  return alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
}

function publicOnly(stored: StoredKey): PublicJWK {
  const { kty, crv, x, y } = stored.publicJwk;
  const jwk: PublicJWK = { kty, crv, x, kid: stored.kid, alg: stored.alg, use: "sig" };
  if (y !== undefined) jwk.y = y;
  return jwk;
}

/** A new extractable key pair, its `kid` the RFC 7638 thumbprint of the public key. */
export async function generateKey(alg: SigningAlgorithm, clock: Clock): Promise<StoredKey> {
  const params = alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const privateJwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JWK;
  const publicJwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JWK;
  const kid = await calculateJwkThumbprint(publicJwk as Parameters<typeof calculateJwkThumbprint>[0]);
  return { kid, alg, privateJwk, publicJwk, createdAt: clock.now(), status: "active" };
}

export { algorithmParams };
