/**
 * PHC string format (https://github.com/P-H-C/phc-string-format/blob/master/phc-sf-spec.md):
 *
 *   $<id>[$v=<version>][$<param>=<value>(,<param>=<value>)*]$<salt>$<hash>
 *
 * Salt and hash are in the spec's "B64": standard base64 alphabet, no padding.
 * Parsing is strict on purpose: a stored hash is security-relevant data, so anything that is
 * not exactly one canonical encoding (padding, URL-safe alphabet, non-zero trailing bits, leading
 * zeros, duplicate params, stray whitespace) is rejected instead of "repaired". Salt and hash are
 * required here because every string this module sees is a stored password hash.
 */
import { AuthError } from "../../core/errors.js";

export type PasswordHashErrorReason = "malformed" | "unsupported";

/**
 * A stored hash that cannot be used. It is a server-side data or configuration problem, never
 * the client's, hence `internal_error` (500): sign-in fails closed. The message never contains
 * the hash itself.
 */
export class PasswordHashError extends AuthError {
  readonly reason: PasswordHashErrorReason;

  constructor(reason: PasswordHashErrorReason, message: string) {
    super("internal_error", message);
    this.name = "PasswordHashError";
    this.reason = reason;
  }
}

export interface PHCHash {
  /** Algorithm id, e.g. "argon2id" or "pbkdf2-sha256". */
  readonly id: string;
  /** The `v=` segment, when present. */
  readonly version: number | undefined;
  /** Parameters in their encoded order; values are the raw strings. */
  readonly params: Readonly<Record<string, string>>;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

/** Longest PHC string accepted; stops a huge stored value from costing regex and decode time. */
const MAX_PHC_LENGTH = 512;

const ID = /^[a-z0-9-]{1,32}$/;
const PARAM_NAME = /^[a-z0-9-]{1,32}$/;
const PARAM_VALUE = /^[a-zA-Z0-9/+.-]+$/;
const DECIMAL = /^(0|[1-9][0-9]{0,9})$/;
const B64 = /^[A-Za-z0-9+/]+$/;

function malformed(message: string): PasswordHashError {
  return new PasswordHashError("malformed", `Malformed password hash: ${message}`);
}

/** Standard base64 without padding, as the PHC spec requires. */
export function encodeB64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary).replace(/=+$/, "");
}

/**
 * Strict inverse of `encodeB64`. `atob` alone is lenient (it ignores whitespace and accepts
 * non-zero trailing bits), which would let two different strings stand for the same bytes.
 */
export function decodeB64(text: string): Uint8Array {
  if (!B64.test(text) || text.length % 4 === 1) throw malformed("invalid base64");
  const binary = atob(text + "=".repeat((4 - (text.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (encodeB64(bytes) !== text) throw malformed("non-canonical base64");
  return bytes;
}

/** The algorithm id of a PHC-looking string, or undefined. Cheap; does not validate the rest. */
export function phcId(text: string): string | undefined {
  if (typeof text !== "string" || text[0] !== "$") return undefined;
  const end = text.indexOf("$", 1);
  const id = end === -1 ? text.slice(1) : text.slice(1, end);
  return ID.test(id) ? id : undefined;
}

export function parsePHC(text: string): PHCHash {
  if (typeof text !== "string") throw malformed("not a string");
  if (text.length > MAX_PHC_LENGTH) throw malformed("too long");
  const fields = text.split("$");
  // A leading "$" makes fields[0] empty; the minimum is $id$salt$hash.
  if (fields[0] !== "" || fields.length < 4 || fields.length > 6) throw malformed("wrong number of fields");
  const id = fields[1]!;
  if (!ID.test(id)) throw malformed("invalid id");

  let index = 2;
  let version: number | undefined;
  if (fields[index]!.startsWith("v=")) {
    const digits = fields[index]!.slice(2);
    if (!DECIMAL.test(digits)) throw malformed("invalid version");
    version = Number(digits);
    index++;
  }

  // No prototype: a lookup of a param named like an Object.prototype member must find nothing.
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  // Params are present exactly when two fields (salt, hash) remain after them.
  if (fields.length - index === 3) {
    for (const pair of fields[index]!.split(",")) {
      const eq = pair.indexOf("=");
      const name = eq === -1 ? pair : pair.slice(0, eq);
      const value = eq === -1 ? "" : pair.slice(eq + 1);
      if (!PARAM_NAME.test(name) || !PARAM_VALUE.test(value)) throw malformed("invalid parameter");
      if (Object.hasOwn(params, name)) throw malformed("duplicate parameter");
      params[name] = value;
    }
    index++;
  }
  if (fields.length - index !== 2) throw malformed("wrong number of fields");

  const salt = decodeB64(fields[index]!);
  const hash = decodeB64(fields[index + 1]!);
  return { id, version, params, salt, hash };
}

export function formatPHC(phc: PHCHash): string {
  if (!ID.test(phc.id)) throw new TypeError("Invalid PHC id");
  let out = `$${phc.id}`;
  if (phc.version !== undefined) out += `$v=${phc.version}`;
  const entries = Object.entries(phc.params);
  if (entries.length > 0) {
    for (const [name, value] of entries) {
      if (!PARAM_NAME.test(name) || !PARAM_VALUE.test(value)) throw new TypeError("Invalid PHC parameter");
    }
    out += `$${entries.map(([name, value]) => `${name}=${value}`).join(",")}`;
  }
  return `${out}$${encodeB64(phc.salt)}$${encodeB64(phc.hash)}`;
}

/**
 * Reads a decimal parameter and checks its range; a missing, non-canonical or out-of-range
 * value means the stored hash cannot be trusted to be what it claims.
 */
export function integerParam(phc: PHCHash, name: string, min: number, max: number): number {
  const raw = phc.params[name];
  if (raw === undefined) throw malformed(`missing parameter ${name}`);
  if (!DECIMAL.test(raw)) throw malformed(`parameter ${name} is not a decimal`);
  const value = Number(raw);
  if (value < min || value > max) throw malformed(`parameter ${name} out of range`);
  return value;
}

/** Rejects parameters the algorithm does not define, so a tampered string cannot smuggle any in. */
export function assertOnlyParams(phc: PHCHash, allowed: readonly string[]): void {
  for (const name of Object.keys(phc.params)) {
    if (!allowed.includes(name)) throw malformed(`unexpected parameter ${name}`);
  }
}
