/**
 * PBKDF2-HMAC-SHA256 on Web Crypto, for verifying legacy hashes and for deployments that cannot
 * run Argon2id.
 *
 * Stored format (PHC syntax, same base64 as the Argon2 hashes: standard alphabet, unpadded):
 *
 *   $pbkdf2-sha256$i=<iterations>$<salt>$<hash>      e.g. $pbkdf2-sha256$i=100000$<16 B>$<32 B>
 *
 * This is NOT passlib's `$pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 hash>` nor Django's
 * `pbkdf2_sha256$<rounds>$<salt>$<b64>`; convert those before import.
 *
 * Iterations are required, with no default, because the two sensible defaults conflict:
 * OWASP asks for 600,000 (PBKDF2_OWASP_ITERATIONS) but production Cloudflare Workers reject
 * more than 100,000 (PBKDF2_WORKERS_MAX_ITERATIONS; local wrangler/workerd do not, so the
 * failure would first show in production). Above 100,000 the factory throws ConfigurationError
 * unless `allowAboveWorkersLimit: true` says the code never runs on Workers.
 * Stored hashes are verified with their own iteration count; on Workers a stored count above
 * 100,000 cannot be verified and throws PasswordHashError("unsupported").
 */
import { cryptoRandom, type Random } from "../../core/context.js";
import { timingSafeEqual, utf8 } from "../../core/encoding.js";
import { ConfigurationError } from "../../core/errors.js";
import type { PasswordHasher } from "../../ports/password-hasher.js";
import { PasswordHashError, assertOnlyParams, formatPHC, integerParam, parsePHC, phcId } from "./phc.js";
import { assertHashableLength } from "./policy.js";

export const PBKDF2_SHA256_ID = "pbkdf2-sha256";
/** OWASP Password Storage Cheat Sheet figure for PBKDF2-HMAC-SHA256. */
export const PBKDF2_OWASP_ITERATIONS = 600_000;
/** Production Cloudflare Workers refuse PBKDF2 above this many iterations. */
export const PBKDF2_WORKERS_MAX_ITERATIONS = 100_000;

const SALT_LENGTH = 16;
/** One SHA-256 block: more output costs the defender extra blocks and the attacker nothing. */
const HASH_LENGTH = 32;
/** Verify-time ceiling so a tampered stored hash cannot pin a CPU for minutes. */
const MAX_STORED_ITERATIONS = 10_000_000;

export interface PBKDF2Options {
  /** Required. 100,000 on Workers; 600,000 (OWASP) where allowed. */
  iterations: number;
  /** Permit more than 100,000 iterations; only for code that never runs on Cloudflare Workers. */
  allowAboveWorkersLimit?: boolean;
  /** Salt source; tests inject a fixed one. Default `crypto.getRandomValues`. */
  random?: Random;
}

/** Raw PBKDF2-HMAC-SHA256 (RFC 8018), `length` bytes. */
export async function derivePBKDF2SHA256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  // Casts: TS 5.9 types a plain Uint8Array as possibly SharedArrayBuffer-backed; ours never are.
  const key = await crypto.subtle.importKey("raw", password as BufferSource, "PBKDF2", false, ["deriveBits"]);
  const params = { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations };
  const bits = await crypto.subtle.deriveBits(params, key, length * 8);
  return new Uint8Array(bits);
}

interface StoredPBKDF2 {
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

function parsePBKDF2Hash(text: string): StoredPBKDF2 {
  const phc = parsePHC(text);
  if (phc.id !== PBKDF2_SHA256_ID) throw new PasswordHashError("unsupported", "Not a pbkdf2-sha256 hash");
  if (phc.version !== undefined) throw new PasswordHashError("malformed", "Malformed password hash: unexpected version");
  assertOnlyParams(phc, ["i"]);
  const iterations = integerParam(phc, "i", 1, MAX_STORED_ITERATIONS);
  if (phc.salt.length < 8 || phc.salt.length > 64) {
    throw new PasswordHashError("malformed", "Malformed password hash: salt length out of range");
  }
  if (phc.hash.length < 16 || phc.hash.length > 64) {
    throw new PasswordHashError("malformed", "Malformed password hash: hash length out of range");
  }
  return { iterations, salt: phc.salt, hash: phc.hash };
}

export function pbkdf2Hasher(options: PBKDF2Options): PasswordHasher {
  const { iterations } = options;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_STORED_ITERATIONS) {
    throw new ConfigurationError(`pbkdf2 iterations must be an integer in 1..${MAX_STORED_ITERATIONS}`);
  }
  if (iterations > PBKDF2_WORKERS_MAX_ITERATIONS && options.allowAboveWorkersLimit !== true) {
    throw new ConfigurationError(
      `pbkdf2 iterations above ${PBKDF2_WORKERS_MAX_ITERATIONS} fail on Cloudflare Workers; ` +
        "set allowAboveWorkersLimit: true if this never runs there",
    );
  }
  const random = options.random ?? cryptoRandom;

  return {
    id: PBKDF2_SHA256_ID,

    async hash(password: string): Promise<string> {
      assertHashableLength(password);
      const salt = random.bytes(SALT_LENGTH);
      const hash = await derivePBKDF2SHA256(utf8(password), salt, iterations, HASH_LENGTH);
      return formatPHC({ id: PBKDF2_SHA256_ID, version: undefined, params: { i: String(iterations) }, salt, hash });
    },

    async verify(hash: string, password: string): Promise<boolean> {
      assertHashableLength(password);
      const stored = parsePBKDF2Hash(hash);
      let computed: Uint8Array;
      try {
        computed = await derivePBKDF2SHA256(utf8(password), stored.salt, stored.iterations, stored.hash.length);
      } catch (error) {
        // Workers: "NotSupportedError" for counts above its limit. Anything else propagates as is.
        if (error instanceof DOMException && error.name === "NotSupportedError") {
          throw new PasswordHashError("unsupported", "PBKDF2 iteration count not supported by this runtime");
        }
        throw error;
      }
      return timingSafeEqual(computed, stored.hash);
    },

    needsRehash(hash: string): boolean {
      if (phcId(hash) !== PBKDF2_SHA256_ID) return true;
      const stored = parsePBKDF2Hash(hash);
      return stored.iterations < iterations || stored.salt.length < SALT_LENGTH || stored.hash.length < HASH_LENGTH;
    },
  };
}
