/**
 * Password and email input rules (NIST SP 800-63B-4, OWASP ASVS 5.0 V6.2).
 *
 * Passwords:
 * - Length is counted in Unicode code points of the NFC form. NIST counts each code point as
 *   one character; NFC first means "e" + combining acute counts once, the same as the
 *   precomposed "é" a user believes they typed.
 * - No composition rules, no truncation, ever. The only upper bounds are `maxLength` (code
 *   points, default 1024, at least 64) and a fixed 4096 UTF-8 byte ceiling that is checked
 *   before anything else, so an oversized body never reaches normalisation or a hasher.
 * - Lone UTF-16 surrogates are rejected: TextEncoder turns every one of them into U+FFFD, so
 *   two different strings would hash identically.
 * - The hashers hash the exact UTF-8 bytes they are given (that keeps them interoperable with
 *   any standard Argon2/PBKDF2 implementation and with imported hashes). Callers that want
 *   canonically-equivalent input to match apply `normalizePassword` (NFC, as RFC 8265's
 *   OpaqueString profile does) on EVERY path: sign-up, sign-in, reset and change alike.
 */
import { AuthError, ConfigurationError } from "../../core/errors.js";

/** Hard ceiling on a password's UTF-8 size; not configurable upwards. */
export const MAX_PASSWORD_BYTES = 4096;
export const DEFAULT_MIN_PASSWORD_LENGTH = 8;
export const DEFAULT_MAX_PASSWORD_LENGTH = 1024;

export interface PasswordPolicyOptions {
  /** Minimum code points; at least 8 (NIST SHALL). 15 is recommended when the password is the only factor. */
  minLength?: number;
  /** Maximum code points; at least 64 (NIST SHALL accept 64). */
  maxLength?: number;
}

export interface PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
  /** Throws AuthError "password_too_short" / "password_too_long" / "invalid_request". */
  check(password: string): void;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Cheap size guard every hasher also runs (defence in depth: a sign-in path that forgot the
 * policy still cannot feed a megabyte into a KDF or grow the WASM heap with it).
 */
export function assertHashableLength(password: string): void {
  if (typeof password !== "string") throw new AuthError("invalid_request", "Password must be a string");
  // Every UTF-16 code unit encodes to at least one UTF-8 byte, so this rejects the bulk of
  // oversized input without encoding it.
  if (password.length > MAX_PASSWORD_BYTES || utf8Length(password) > MAX_PASSWORD_BYTES) {
    throw new AuthError("password_too_long", `Password must be at most ${MAX_PASSWORD_BYTES} bytes`);
  }
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3; // includes lone surrogates, which TextEncoder writes as U+FFFD (3 bytes)
  }
  return bytes;
}

/** NFC, the normalisation RFC 8265 (OpaqueString) applies to passwords. Apply on every path or none. */
export function normalizePassword(password: string): string {
  assertHashableLength(password);
  return password.normalize("NFC");
}

/** Validated once (at start-up, from createAuth) so a bad setting is a ConfigurationError, not a 500 later. */
export function passwordPolicy(options: PasswordPolicyOptions = {}): PasswordPolicy {
  const minLength = options.minLength ?? DEFAULT_MIN_PASSWORD_LENGTH;
  const maxLength = options.maxLength ?? DEFAULT_MAX_PASSWORD_LENGTH;
  if (!Number.isInteger(minLength) || minLength < 8) {
    throw new ConfigurationError("password minLength must be an integer >= 8 (NIST SP 800-63B-4)");
  }
  if (!Number.isInteger(maxLength) || maxLength < 64 || maxLength < minLength) {
    throw new ConfigurationError("password maxLength must be an integer >= 64 and >= minLength");
  }
  if (maxLength > MAX_PASSWORD_BYTES) {
    throw new ConfigurationError(`password maxLength must be <= ${MAX_PASSWORD_BYTES} (the byte ceiling binds first)`);
  }
  return {
    minLength,
    maxLength,
    check(password: string): void {
      assertHashableLength(password);
      if (LONE_SURROGATE.test(password)) {
        throw new AuthError("invalid_request", "Password contains invalid characters", { detail: { field: "password" } });
      }
      let length = 0;
      // for..of iterates code points, not UTF-16 units.
      for (const _ of password.normalize("NFC")) length++;
      if (length < minLength) {
        throw new AuthError("password_too_short", `Password must be at least ${minLength} characters`, {
          detail: { field: "password", minLength },
        });
      }
      if (length > maxLength) {
        throw new AuthError("password_too_long", `Password must be at most ${maxLength} characters`, {
          detail: { field: "password", maxLength },
        });
      }
    },
  };
}

/** One-off form of `passwordPolicy(options).check(password)`. */
export function checkPassword(password: string, options?: PasswordPolicyOptions): void {
  passwordPolicy(options).check(password);
}
