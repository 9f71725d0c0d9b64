/**
 * What the WASM and pure-JS Argon2id hashers share: parameters, PHC encoding, strict parsing
 * of stored hashes, constant-time comparison and the rehash rule. Each backend only supplies
 * `derive` (raw Argon2id of bytes), so both produce byte-identical PHC strings and each can
 * verify the other's hashes.
 */
import { cryptoRandom, type Random } from "../../core/context.js";
import { timingSafeEqual, utf8 } from "../../core/encoding.js";
import { ConfigurationError } from "../../core/errors.js";
import type { PasswordHasher } from "../../ports/password-hasher.js";
import { PasswordHashError, assertOnlyParams, formatPHC, integerParam, parsePHC, phcId } from "./phc.js";
import { assertHashableLength } from "./policy.js";
import { createSemaphore, withConcurrencyLimit } from "./semaphore.js";

export const ARGON2ID_ID = "argon2id";
/** Argon2 version 1.3, the only one this module writes or reads. */
export const ARGON2_VERSION = 0x13;

/** OWASP Password Storage Cheat Sheet's first Argon2id row: 19 MiB, 2 passes, 1 lane. */
export const ARGON2ID_DEFAULTS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const SALT_LENGTH = 16;
const HASH_LENGTH = 32;

/**
 * Bounds for stored hashes (and for configuration). The upper bounds stop a tampered or
 * foreign hash from making one verify allocate gigabytes or spin for minutes; 256 MiB is
 * already twice a Workers isolate. Lower bounds on salt/tag refuse hashes too weak to trust.
 */
const LIMITS = {
  memoryCost: { min: 8, max: 262_144 },
  timeCost: { min: 1, max: 64 },
  parallelism: { min: 1, max: 16 },
  saltBytes: { min: 8, max: 64 },
  hashBytes: { min: 16, max: 64 },
} as const;

export interface Argon2idParams {
  /** KiB of memory per hash. */
  readonly memoryCost: number;
  /** Passes over memory. */
  readonly timeCost: number;
  /** Lanes. Computed sequentially in both backends (no threads in an isolate). */
  readonly parallelism: number;
}

export interface Argon2idOptions {
  /** KiB; default 19456 (19 MiB). */
  memoryCost?: number;
  /** Default 2. */
  timeCost?: number;
  /** Default 1. */
  parallelism?: number;
  /**
   * Hashes (and verifies) allowed in flight per hasher; excess callers queue. Default 1: both
   * backends compute on the isolate's only thread, so a second concurrent hash adds memory
   * (another m KiB) and latency for everyone but no throughput.
   */
  maxConcurrent?: number;
  /** Salt source; tests inject a fixed one. Default `crypto.getRandomValues`. */
  random?: Random;
}

/** Raw Argon2id (v1.3) of `password` with the given salt and parameters. */
export type Argon2idDerive = (
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2idParams,
  hashLength: number,
) => Promise<Uint8Array>;

function checkRange(name: keyof typeof LIMITS, value: number): void {
  const { min, max } = LIMITS[name];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`argon2id ${name} must be an integer in ${min}..${max}`);
  }
}

export function resolveArgon2idParams(options: Argon2idOptions): Argon2idParams {
  const params = {
    memoryCost: options.memoryCost ?? ARGON2ID_DEFAULTS.memoryCost,
    timeCost: options.timeCost ?? ARGON2ID_DEFAULTS.timeCost,
    parallelism: options.parallelism ?? ARGON2ID_DEFAULTS.parallelism,
  };
  checkRange("memoryCost", params.memoryCost);
  checkRange("timeCost", params.timeCost);
  checkRange("parallelism", params.parallelism);
  // RFC 9106 3.1: m >= 8p.
  if (params.memoryCost < 8 * params.parallelism) {
    throw new ConfigurationError("argon2id memoryCost must be at least 8 * parallelism KiB");
  }
  return params;
}

interface StoredArgon2id {
  readonly params: Argon2idParams;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

/** Parses a stored `$argon2id$v=19$m=..,t=..,p=..$salt$hash`; throws PasswordHashError. */
export function parseArgon2idHash(text: string): StoredArgon2id {
  const phc = parsePHC(text);
  if (phc.id !== ARGON2ID_ID) throw new PasswordHashError("unsupported", "Not an argon2id hash");
  if (phc.version !== ARGON2_VERSION) throw new PasswordHashError("unsupported", "Unsupported argon2 version");
  assertOnlyParams(phc, ["m", "t", "p"]);
  // The reference implementation writes m,t,p in this order; anything else did not come from one.
  if (Object.keys(phc.params).join(",") !== "m,t,p") {
    throw new PasswordHashError("malformed", "Malformed password hash: argon2 parameters out of order");
  }
  const params = {
    memoryCost: integerParam(phc, "m", LIMITS.memoryCost.min, LIMITS.memoryCost.max),
    timeCost: integerParam(phc, "t", LIMITS.timeCost.min, LIMITS.timeCost.max),
    parallelism: integerParam(phc, "p", LIMITS.parallelism.min, LIMITS.parallelism.max),
  };
  if (params.memoryCost < 8 * params.parallelism) {
    throw new PasswordHashError("malformed", "Malformed password hash: m < 8p");
  }
  const { salt, hash } = phc;
  if (salt.length < LIMITS.saltBytes.min || salt.length > LIMITS.saltBytes.max) {
    throw new PasswordHashError("malformed", "Malformed password hash: salt length out of range");
  }
  if (hash.length < LIMITS.hashBytes.min || hash.length > LIMITS.hashBytes.max) {
    throw new PasswordHashError("malformed", "Malformed password hash: hash length out of range");
  }
  return { params, salt, hash };
}

export function formatArgon2idHash(params: Argon2idParams, salt: Uint8Array, hash: Uint8Array): string {
  return formatPHC({
    id: ARGON2ID_ID,
    version: ARGON2_VERSION,
    params: { m: String(params.memoryCost), t: String(params.timeCost), p: String(params.parallelism) },
    salt,
    hash,
  });
}

/** Builds a PasswordHasher around a backend's `derive`, wrapped in its own semaphore. */
export function createArgon2idHasher(derive: Argon2idDerive, options: Argon2idOptions): PasswordHasher {
  const params = resolveArgon2idParams(options);
  const random = options.random ?? cryptoRandom;
  const maxConcurrent = options.maxConcurrent ?? 1;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new ConfigurationError("argon2id maxConcurrent must be an integer >= 1");
  }

  const hasher: PasswordHasher = {
    id: ARGON2ID_ID,

    async hash(password: string): Promise<string> {
      assertHashableLength(password);
      const salt = random.bytes(SALT_LENGTH);
      const bytes = utf8(password);
      try {
        return formatArgon2idHash(params, salt, await derive(bytes, salt, params, HASH_LENGTH));
      } finally {
        bytes.fill(0);
      }
    },

    async verify(hash: string, password: string): Promise<boolean> {
      assertHashableLength(password);
      // Parse before deriving: a malformed hash throws without spending a hash's worth of work.
      const stored = parseArgon2idHash(hash);
      const bytes = utf8(password);
      try {
        const computed = await derive(bytes, stored.salt, stored.params, stored.hash.length);
        return timingSafeEqual(computed, stored.hash);
      } finally {
        bytes.fill(0);
      }
    },

    needsRehash(hash: string): boolean {
      if (phcId(hash) !== ARGON2ID_ID) return true;
      const stored = parseArgon2idHash(hash);
      // Weaker in any dimension, or a different lane count (which changes the memory layout
      // without adding strength in a single-threaded isolate), means rehash on next sign-in.
      return (
        stored.params.memoryCost < params.memoryCost ||
        stored.params.timeCost < params.timeCost ||
        stored.params.parallelism !== params.parallelism ||
        stored.salt.length < SALT_LENGTH ||
        stored.hash.length < HASH_LENGTH
      );
    },
  };
  return withConcurrencyLimit(hasher, createSemaphore(maxConcurrent));
}
