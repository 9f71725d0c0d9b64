import { AuthError } from "../core/errors.js";
import { errorResponse } from "../core/http/respond.js";
import type { AuthResult } from "../core/read-path.js";
import type { AuthzEnvironment } from "../ports/authorization.js";
import type { Decision } from "./types.js";

/**
 * What the HTTP helpers (portcullis/hono, portcullis/next) share: the environment a
 * request gives policies, and the two refusals.
 */
export interface RequestEnvironmentOptions {
  /**
   * Header carrying the client IP set by a trusted proxy (`cf-connecting-ip`); null
   * (the default) trusts none and `environment.ip` stays absent. Use the same value
   * as `settings.ipHeader`.
   */
  ipHeader?: string | null;
  /** More attributes (`riskScore`, ...), merged over the defaults. */
  environment?: (request: Request) => AuthzEnvironment;
}

/** `ip` from the trusted header, `amr` from the session; `now` is left to the authorizer's clock. */
export function requestEnvironment(request: Request, auth: AuthResult | undefined, options: RequestEnvironmentOptions): AuthzEnvironment {
  const base: { ip?: string; amr?: readonly string[] } = {};
  const header = options.ipHeader ?? null;
  const ip = header === null ? null : request.headers.get(header);
  if (ip !== null && ip !== "") base.ip = ip.trim();
  // API keys have no session and so no `amr`: step-up policies never pass for them.
  if (auth?.authenticated === true && auth.session !== null) base.amr = auth.session.amr;
  return options.environment === undefined ? base : { ...base, ...options.environment(request) };
}

/** 401 `unauthenticated`, the same answer as `requireAuth()`. */
export function unauthenticatedJson(): Response {
  return errorResponse(new AuthError("unauthenticated", "sign in first"));
}

/** 403 `forbidden` with the stable decision reason (`explicit_deny`, `tenant_boundary`, ...). */
export function forbiddenResponse(decision: Decision): Response {
  return errorResponse(new AuthError("forbidden", "permission denied", { detail: { reason: decision.reason } }));
}
