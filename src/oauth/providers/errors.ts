import { AuthError } from "../../core/errors.js";

/**
 * Why a provider call failed: stable, safe to show and to switch on (`error.detail.reason`).
 * Messages may change; these may not.
 *
 * - `discovery_failed`: the OpenID configuration is unreachable by status (4xx), malformed, names
 *   another issuer (OIDC Discovery 4.3) or a non-https endpoint.
 * - `provider_unavailable`: network error, timeout, 5xx or 429 from a provider endpoint; retrying later may work.
 * - `issuer_mismatch`: the callback's RFC 9207 `iss` is not this provider's issuer (mix-up attack).
 * - `issuer_missing`: the issuer advertises RFC 9207 but the callback carried no `iss`.
 * - `token_exchange_failed`: the token endpoint refused the code (bad, used or expired code, PKCE
 *   verifier mismatch, client authentication), or GitHub's 200 + `{error}`.
 * - `invalid_response`: a provider answered 2xx with something that is not the documented JSON shape.
 * - `id_token_invalid`: signature, algorithm, key, `iss`, `aud`, `azp`, `exp`, `iat`, `typ` or `sub`.
 * - `nonce_mismatch`: the id_token's `nonce` is absent or is not the one this transaction sent.
 * - `userinfo_failed`: a user API (GitHub `/user`) refused the access token.
 * - `email_unavailable`: not raised by providers (they return `email: null`); for the flow, when it
 *   needs an address the provider did not share.
 */
export type OAuthFailureReason =
  | "discovery_failed"
  | "provider_unavailable"
  | "issuer_mismatch"
  | "issuer_missing"
  | "token_exchange_failed"
  | "invalid_response"
  | "id_token_invalid"
  | "nonce_mismatch"
  | "userinfo_failed"
  | "email_unavailable";

/**
 * A provider-side failure of an OAuth / OIDC sign-in: `oauth_failed` (400). The message and detail
 * never carry the client secret, the code, a token or a provider's raw answer; the original error
 * is deliberately not kept as `cause` either, since jose's claim errors hold the whole token payload
 * and loggers print causes.
 */
export class OAuthError extends AuthError {
  readonly reason: OAuthFailureReason;

  constructor(reason: OAuthFailureReason, message: string, detail?: Record<string, string>) {
    super("oauth_failed", message, { detail: { ...detail, reason } });
    this.name = "OAuthError";
    this.reason = reason;
  }
}

export function isOAuthError(error: unknown): error is OAuthError {
  return error instanceof OAuthError;
}

/**
 * OAuth error codes a token endpoint may return (RFC 6749 5.2, GitHub's documented ones). Only
 * these are echoed into `detail.error`: anything else a provider sends is dropped, so a hostile
 * provider cannot put text in our responses.
 */
const KNOWN_PROVIDER_ERRORS = new Set([
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
  "access_denied",
  "server_error",
  "temporarily_unavailable",
  "incorrect_client_credentials",
  "redirect_uri_mismatch",
  "bad_verification_code",
  "unverified_user_email",
]);

/** `{ error: "<known code>" }` for `detail`, or nothing. */
export function providerErrorDetail(body: unknown): Record<string, string> {
  if (typeof body !== "object" || body === null) return {};
  const error = (body as Record<string, unknown>).error;
  return typeof error === "string" && KNOWN_PROVIDER_ERRORS.has(error) ? { error } : {};
}
