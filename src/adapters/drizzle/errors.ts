import { DrizzleQueryError } from "drizzle-orm/errors";
import { ConflictError, StorageError } from "../../core/errors.js";

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

/** Wraps any backend failure; the message names the operation, never a value. */
export function storageError(label: string, operation: string, error: unknown): StorageError {
  return new StorageError(`${label} ${operation} failed`, { cause: driverError(error) });
}

/** `ConflictError` for a taken email or credential identifier, `StorageError` for everything else. */
export function userWriteError(label: string, operation: string, error: unknown): StorageError | ConflictError {
  if (isSQLiteUniqueViolation(error, "users.email")) return new ConflictError("email already registered");
  return credentialWriteError(label, operation, error);
}

/** `ConflictError` (credential_taken) when a (type, identifier) pair is already bound; `StorageError` otherwise. */
export function credentialWriteError(label: string, operation: string, error: unknown): StorageError | ConflictError {
  const columns = sqliteUniqueViolation(error);
  if (columns !== null && columns.includes("credentials.identifier")) {
    return new ConflictError("credential already bound to an account", "credential_taken");
  }
  return storageError(label, operation, error);
}
