import { DrizzleQueryError } from "drizzle-orm/errors";
import type { ConflictError } from "../../core/errors.js";
import { createStorageGuard, credentialTaken, emailTaken, type StorageGuard } from "../storage-guard.js";

/**
 * The driver error behind a Drizzle error. `DrizzleQueryError` puts the bound
 * parameters (emails, password hashes) in its message, so it is never kept as a
 * `cause`: only the driver's own error is, and SQLite messages carry no values.
 */
export function driverError(error: unknown): unknown {
  let current = error;
  while (current instanceof DrizzleQueryError) {
    current = current.cause ?? new Error("query failed");
  }
  return current;
}

/**
 * The `table.column` list of a SQLite unique violation ("UNIQUE constraint
 * failed: users.email"), from D1, better-sqlite3 or libSQL; null for any other error.
 */
export function sqliteUniqueViolation(error: unknown): string[] | null {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const match = /UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)/.exec(current.message);
    if (match?.[1] !== undefined) return match[1].split(", ");
    current = current.cause;
  }
  return null;
}

/** True when `error` is a SQLite unique violation on exactly `column` ("users.email"). */
export function isSQLiteUniqueViolation(error: unknown, column: string): boolean {
  const columns = sqliteUniqueViolation(error);
  return columns !== null && columns.length === 1 && columns[0] === column;
}

/** The guard for every SQLite store call: the message names `label` ("d1", "sqlite"), the cause is `driverError`. */
export function sqliteGuard(label: string): StorageGuard {
  return createStorageGuard({ label, redact: driverError });
}

/** A taken credential (type, identifier) pair: `ConflictError` (credential_taken); null for anything else. */
export function credentialConflict(error: unknown): ConflictError | null {
  const columns = sqliteUniqueViolation(error);
  return columns !== null && columns.includes("credentials.identifier") ? credentialTaken() : null;
}

/** A taken email, or a taken credential among the user's first ones: `ConflictError`; null for anything else. */
export function userConflict(error: unknown): ConflictError | null {
  return isSQLiteUniqueViolation(error, "users.email") ? emailTaken() : credentialConflict(error);
}
