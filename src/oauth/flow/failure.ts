import { AuthError } from "../../core/errors.js";
import { errorResponse } from "../../core/http/respond.js";

/** Stable reasons behind `oauth_failed`; shown in `error.reason` and in the audit trail. */
export type OAuthFlowFailureReason =
  | "invalid_callback"
  | "missing_state"
  | "unknown_state"
  | "invalid_state"
  | "expired_state"
  | "provider_mismatch"
  | "missing_binding"
  | "binding_mismatch"
  | "provider_error"
  | "missing_code"
  | "exchange_failed"
  | "invalid_profile"
  | "email_unavailable"
  | "email_invalid"
  | "account_missing"
  | "session_mismatch"
  | "provider_misconfigured";

export function oauthFailed(reason: OAuthFlowFailureReason, message = "sign-in with the provider failed"): AuthError {
  return new AuthError("oauth_failed", message, { detail: { reason } });
}

/** The reason an error is audited under: the oauth reason when there is one, else the code. */
export function failureReason(error: unknown): string {
  if (!(error instanceof AuthError)) return "internal_error";
  const reason = error.detail?.reason;
  return typeof reason === "string" ? reason : error.code;
}

/**
 * The answer to a failed browser step: JSON by default, or a 303 to `errorRedirect?error=<code>`
 * (only the stable code travels, never a message). Either way the binding cookie is cleared and
 * nothing is cached or leaks a Referer.
 */
export function failureResponse(error: unknown, errorRedirect: string | null, headers: Record<string, string>): Response {
  const base = { "referrer-policy": "no-referrer", ...headers };
  // errorResponse already answers no-store (and Retry-After for a 503).
  if (errorRedirect === null) return errorResponse(error, base);
  const code = error instanceof AuthError ? error.code : "internal_error";
  return new Response(null, {
    status: 303,
    headers: { ...base, "cache-control": "no-store", location: `${errorRedirect}?error=${encodeURIComponent(code)}` },
  });
}
