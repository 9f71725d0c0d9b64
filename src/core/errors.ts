/**
 * Stable error codes. Clients may switch on them; messages may change, codes may not.
 * Messages never carry a token, a secret or whether an account exists.
 */
export type AuthErrorCode =
  | "invalid_request"
  | "invalid_json"
  | "unsupported_media_type"
  | "payload_too_large"
  | "invalid_email"
  | "password_too_short"
  | "password_too_long"
  | "invalid_credentials"
  | "unauthenticated"
  | "email_taken"
  | "credential_taken"
  | "csrf_rejected"
  | "forbidden"
  | "challenge_required"
  | "email_not_verified"
  | "invalid_token"
  | "oauth_failed"
  | "account_exists"
  | "last_credential"
  | "not_found"
  | "method_not_allowed"
  | "storage_unavailable"
  | "audit_unavailable"
  | "internal_error";

const STATUS: Record<AuthErrorCode, number> = {
  invalid_request: 400,
  invalid_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  invalid_email: 400,
  password_too_short: 400,
  password_too_long: 400,
  invalid_credentials: 401,
  unauthenticated: 401,
  email_taken: 409,
  credential_taken: 409,
  csrf_rejected: 403,
  forbidden: 403,
  challenge_required: 401,
  /** `settings.requireVerifiedEmail` and the address is not verified yet. */
  email_not_verified: 403,
  /** A magic-link or verification token that is unknown, used, expired or of another purpose. */
  invalid_token: 400,
  /** An OAuth / OIDC sign-in failed (state, PKCE, code, id_token, provider); the message never names a secret. */
  oauth_failed: 400,
  /** A local account has this email and linking is not automatic: sign in and link it. */
  account_exists: 409,
  /** Unlinking would leave the account with no way to sign in. */
  last_credential: 409,
  not_found: 404,
  method_not_allowed: 405,
  storage_unavailable: 503,
  audit_unavailable: 503,
  internal_error: 500,
};

export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly status: number;
  /** Client-safe extra fields (e.g. which field failed validation). */
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown; detail?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AuthError";
    this.code = code;
    this.status = STATUS[code];
    this.detail = options?.detail;
  }
}

/** A backing store failed or timed out. Always fails closed (503). */
export class StorageError extends AuthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("storage_unavailable", message, options);
    this.name = "StorageError";
  }
}

/** The audit sink refused an event; the action it described does not happen. */
export class AuditError extends AuthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("audit_unavailable", message, options);
    this.name = "AuditError";
  }
}

/** A unique constraint was hit: an email already registered, a credential already bound to someone. */
export class ConflictError extends AuthError {
  constructor(message: string, code: "email_taken" | "credential_taken" = "email_taken") {
    super(code, message);
    this.name = "ConflictError";
  }
}

/**
 * Thrown by `createAuth` at start-up, never at request time: a misconfiguration
 * must stop the process, not fail open.
 */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}
