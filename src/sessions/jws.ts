import { fromBase64Url, utf8 } from "../core/encoding.js";
import type { SigningAlgorithm } from "../ports/key-store.js";

export interface VerificationKey {
  alg: SigningAlgorithm;
  key: CryptoKey;
}

export interface VerifiedJWS {
  header: Readonly<Record<string, unknown>>;
  /** The signed bytes, undecoded: JWT claims are JSON, other JWS payloads need not be. */
  payload: Uint8Array;
}

const PART = /^[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 8192;
const decoder = new TextDecoder("utf-8", { fatal: true });

const HEADER_CACHE_SIZE = 64;

export type HeaderParser = (encoded: string) => Readonly<Record<string, unknown>> | null;

/** Parses a protected header; null when it is not a JSON object or names a `crit` extension. */
export function parseHeader(encoded: string): Readonly<Record<string, unknown>> | null {
  const parsed = decodeJSON(encoded);
  return parsed === null || "crit" in parsed ? null : Object.freeze(parsed);
}

/**
 * Every token signed by one key carries the same protected header, so a verifier keeps
 * the parsed ones (bounded, so attacker-chosen headers cannot grow it; frozen, only read).
 * One cache per strategy instance, not per isolate.
 */
export function cachedHeaderParser(): HeaderParser {
  const cache = new Map<string, Readonly<Record<string, unknown>> | null>();
  return (encoded) => {
    const cached = cache.get(encoded);
    if (cached !== undefined) return cached;
    const header = parseHeader(encoded);
    if (cache.size >= HEADER_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(encoded, header);
    return header;
  };
}

/** Web Crypto parameters for `alg` (a plain object: no DOM-lib type names in the declarations). */
export function algorithmParams(alg: SigningAlgorithm): { name: string; hash?: string } {
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
  readHeader: HeaderParser = parseHeader,
): Promise<VerifiedJWS | null> {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first <= 0 || second <= first + 1 || second === token.length - 1 || token.indexOf(".", second + 1) !== -1) return null;
  const encodedHeader = token.slice(0, first);
  const encodedPayload = token.slice(first + 1, second);
  const encodedSignature = token.slice(second + 1);
  if (!PART.test(encodedHeader) || !PART.test(encodedPayload) || !PART.test(encodedSignature)) return null;

  const header = readHeader(encodedHeader);
  if (header === null) return null;
  const key = await resolveKey(typeof header.kid === "string" ? header.kid : undefined);
  if (key === null || header.alg !== key.alg) return null;

  const signature = decodeOrNull(encodedSignature);
  const payload = decodeOrNull(encodedPayload);
  if (signature === null || payload === null) return null;
  if (signature.length !== 64) return null; // Ed25519 and P-256 (IEEE P1363) signatures are both 64 bytes
  const valid = await crypto.subtle.verify(algorithmParams(key.alg), key.key, signature, utf8(`${encodedHeader}.${encodedPayload}`));
  return valid ? { header, payload } : null;
}

function decodeOrNull(part: string): Uint8Array<ArrayBuffer> | null {
  try {
    return fromBase64Url(part);
  } catch {
    return null;
  }
}

/** A JSON object from base64url or raw bytes; null for anything else. */
export function decodeJSON(part: string | Uint8Array): Record<string, unknown> | null {
  try {
    const bytes = typeof part === "string" ? fromBase64Url(part) : part;
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
