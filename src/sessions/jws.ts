import { fromBase64Url, utf8 } from "../core/encoding.js";
import type { SigningAlgorithm } from "../ports/key-store.js";

export interface VerificationKey {
  alg: SigningAlgorithm;
  key: CryptoKey;
}

export interface VerifiedJWS {
  header: Record<string, unknown>;
  /** The signed bytes, undecoded: JWT claims are JSON, other JWS payloads need not be. */
  payload: Uint8Array;
}

const PART = /^[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 8192;

export function algorithmParams(alg: SigningAlgorithm): AlgorithmIdentifier | EcdsaParams {
  return alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", hash: "SHA-256" };
}

/**
 * Verifies a compact JWS with exactly one Web Crypto call. The algorithm comes
 * from the key the `kid` names, never from the header: a header that claims
 * another algorithm (`none`, HS256 with the public key as secret) fails before
 * any crypto. `jku`, `x5u` and `jwk` are ignored (keys come only from our key
 * store), and any `crit` extension is refused (RFC 7515 4.1.11).
 * Returns null for every malformed, unknown or forged token.
 */
export async function verifyJWS(
  token: string,
  resolveKey: (kid: string | undefined) => Promise<VerificationKey | null> | VerificationKey | null,
): Promise<VerifiedJWS | null> {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first <= 0 || second <= first + 1 || second === token.length - 1 || token.indexOf(".", second + 1) !== -1) return null;
  const encodedHeader = token.slice(0, first);
  const encodedPayload = token.slice(first + 1, second);
  const encodedSignature = token.slice(second + 1);
  if (!PART.test(encodedHeader) || !PART.test(encodedPayload) || !PART.test(encodedSignature)) return null;

  const header = decodeJSON(encodedHeader);
  if (header === null || "crit" in header) return null;
  const key = await resolveKey(typeof header.kid === "string" ? header.kid : undefined);
  if (key === null || header.alg !== key.alg) return null;

  const signature = fromBase64Url(encodedSignature);
  if (signature.length !== 64) return null; // Ed25519 and P-256 (IEEE P1363) signatures are both 64 bytes
  const valid = await crypto.subtle.verify(algorithmParams(key.alg), key.key, signature, utf8(`${encodedHeader}.${encodedPayload}`));
  return valid ? { header, payload: fromBase64Url(encodedPayload) } : null;
}

/** A JSON object from base64url or raw bytes; null for anything else. */
export function decodeJSON(part: string | Uint8Array): Record<string, unknown> | null {
  try {
    const bytes = typeof part === "string" ? fromBase64Url(part) : part;
    const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
