/**
 * Error mapping for PostgreSQL. Two leaks to plug: Drizzle's `DrizzleQueryError`
 * lists the bound parameters in its message, and postgres.js attaches `query`,
 * `parameters` and `args` to every error it rejects with (non-enumerable, yet
 * still own properties), and a server error's `detail` quotes the row
 * ("Key (email)=(...) already exists"). So the `cause` kept is a fresh Error
 * carrying only the safe fields of the driver's error, never the error itself.
 */
import type { ConflictError } from "../../core/errors.js";
import { driverError } from "../drizzle/errors.js";
import { credentialTaken, emailTaken } from "../storage-guard.js";

/** What is kept of a driver error: its kind, SQLSTATE or errno code, and constraint name. */
export interface PostgresDriverError extends Error {
  /** SQLSTATE ("23505") for server errors; Node's or postgres.js's code ("ECONNREFUSED", "CONNECT_TIMEOUT") otherwise. */
  code: string | null;
  /** The violated constraint, for integrity errors. */
  constraint: string | null;
}

interface DriverErrorFields {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  severity?: unknown;
  /** postgres.js */
  constraint_name?: unknown;
  /** node-postgres, Neon serverless */
  constraint?: unknown;
}

const text = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

/** A server error has a severity and a five-character SQLSTATE, whichever driver reported it. */
function isServerError(fields: DriverErrorFields): boolean {
  return text(fields.severity) !== null && typeof fields.code === "string" && /^[0-9A-Z]{5}$/.test(fields.code);
}

/** The safe copy of the driver error behind `error` (see the file comment). */
export function safeDriverError(error: unknown): PostgresDriverError {
  const inner = driverError(error);
  const fields: DriverErrorFields = typeof inner === "object" && inner !== null ? (inner as DriverErrorFields) : {};
  const code = text(fields.code);
  const server = isServerError(fields);
  // Class 22 (data exception) messages quote the offending input ("invalid input syntax for type ...: \"...\"").
  const message = server && code?.startsWith("22") ? `data exception (SQLSTATE ${code})` : (text(fields.message) ?? "postgres query failed");
  const safe = new Error(message) as PostgresDriverError;
  safe.name = text(fields.name) ?? "Error";
  safe.code = code;
  safe.constraint = server ? (text(fields.constraint_name) ?? text(fields.constraint)) : null;
  return safe;
}

/** The constraint a unique violation (SQLSTATE 23505) hit; null for any other error. */
export function uniqueViolation(error: unknown): string | null {
  const safe = safeDriverError(error);
  return safe.code === "23505" ? safe.constraint : null;
}

/** A taken email or credential identifier (users.create, users.update, credentials.add): `ConflictError`; null otherwise. */
export function postgresConflict(error: unknown): ConflictError | null {
  const constraint = uniqueViolation(error);
  if (constraint === "users_email_unique") return emailTaken();
  if (constraint === "credentials_type_identifier_unique") return credentialTaken();
  return null;
}
