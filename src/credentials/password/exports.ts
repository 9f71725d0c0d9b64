/**
 * What portcullis/password offers on every runtime. The two entry points (index.ts, edge.ts)
 * re-export this and differ only in where `argon2idHasher` gets its WASM module.
 */
export { emailPassword, type EmailPasswordOptions, type EmailPasswordPlugin } from "./plugin.js";
export { isCompiledModule, type Argon2idHasherFactory, type Argon2idWasmOptions } from "./argon2id-wasm.js";
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
export {
  checkPassword,
  passwordPolicy,
  normalizePassword,
  assertHashableLength,
  MAX_PASSWORD_BYTES,
  type PasswordPolicy,
  type PasswordPolicyOptions,
} from "./policy.js";
export { parsePHC, formatPHC, PasswordHashError, type PHCHash, type PasswordHashErrorReason } from "./phc.js";
export type { PasswordHasher } from "../../ports/password-hasher.js";
