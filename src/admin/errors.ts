import { AuthError } from "../core/errors.js";

/**
 * The admin API's refusals. The AuthError code union is closed (src/core/errors.ts), so the
 * finer, equally stable distinction travels in `detail.reason`:
 *
 * | code              | status | detail.reason                                                          |
 * |-------------------|--------|------------------------------------------------------------------------|
 * | `forbidden`       | 403    | a decision reason (`default_deny`, `tenant_boundary`, ...), `escalation`, `session_required` |
 * | `invalid_request` | 400    | `unknown_role`, `role_tenant_mismatch`, `not_a_member`, `tenant_required`, or a `field` |
 * | `not_found`       | 404    | (none): no such principal, key, or not visible from the caller's tenant |
 */

/** 403 with a stable reason; the same body as `forbiddenResponse` (src/authz/http.ts), as a throwable. */
export function forbidden(reason: string, extra: Record<string, unknown> = {}): AuthError {
  return new AuthError("forbidden", "permission denied", { detail: { reason, ...extra } });
}

/** 400 with a stable reason, naming the offending field. */
export function rejected(reason: string, field: string, message: string): AuthError {
  return new AuthError("invalid_request", message, { detail: { reason, field } });
}

export function notFound(what: string): AuthError {
  return new AuthError("not_found", `${what} not found`);
}
