/**
 * Password credentials: hashers (Argon2id WASM / pure JS, PBKDF2), the composite used by the
 * pipeline, a per-isolate concurrency bound, timing equalisation and input policy.
 * `argon2-wasm-node.ts` is deliberately NOT re-exported here: it is Node-only and gets its own
 * subpath so Worker bundles never see it.
 */
export { argon2idHasher, type Argon2idWasmOptions } from "./argon2id-wasm.js";
export { argon2idJSHasher } from "./argon2id-js.js";
export { ARGON2ID_DEFAULTS, type Argon2idOptions, type Argon2idParams } from "./argon2id-shared.js";
export {
  pbkdf2Hasher,
  derivePBKDF2SHA256,
  PBKDF2_OWASP_ITERATIONS,
  PBKDF2_WORKERS_MAX_ITERATIONS,
  type PBKDF2Options,
} from "./pbkdf2.js";
export { passwordHashing, type PasswordHashingOptions } from "./password-hashing.js";
export { createSemaphore, withConcurrencyLimit, type Semaphore } from "./semaphore.js";
export { dummyVerify, decoyVerifier } from "./dummy-verify.js";
export { defaultHasher } from "./default-hasher.js";
export {
  checkPassword,
  passwordPolicy,
  normalizePassword,
  normalizeEmail,
  assertHashableLength,
  MAX_PASSWORD_BYTES,
  type PasswordPolicy,
  type PasswordPolicyOptions,
} from "./policy.js";
export { parsePHC, formatPHC, PasswordHashError, type PHCHash, type PasswordHashErrorReason } from "./phc.js";
