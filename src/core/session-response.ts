import { sessionCookie, type CookieOptions } from "./http/transport.js";
import type { UserPrincipal } from "../ports/principal.js";
import type { SessionRecord } from "../ports/session-store.js";
import { AuthError } from "./errors.js";
import { json } from "./http/respond.js";
import type { PipelineResult } from "./pipeline.js";
import { toPrincipal } from "./read-path.js";

export interface SessionResponseOptions {
  transport: "cookie" | "bearer";
  /** For JSON answers; a redirect is always 303. */
  status?: number;
  /**
   * A same-origin path (already checked by the caller) to send the browser to with the cookie
   * set: OAuth callbacks and magic-link forms end in a page, not in JSON. Cookie transport only.
   */
  redirectTo?: string;
}

/** The one place a pipeline result becomes an HTTP answer: cookie or bearer, JSON or redirect. */
export function sessionResponse(cookie: CookieOptions, result: PipelineResult, options: SessionResponseOptions): Response {
  if (result.kind === "challenge") {
    throw new AuthError("challenge_required", "another step is required", { detail: { challenge: result.challenge } });
  }
  if (result.kind === "verification_required") return verificationRequired();
  const { issued } = result;
  const maxAge = (issued.session.expiresAt.getTime() - issued.session.createdAt.getTime()) / 1000;
  if (options.redirectTo !== undefined) {
    return new Response(null, {
      status: 303,
      headers: { location: options.redirectTo, "cache-control": "no-store", "set-cookie": sessionCookie(cookie, issued.token, maxAge) },
    });
  }
  const status = options.status ?? 200;
  const body: Record<string, unknown> = { user: publicUser(toPrincipal(result.user, issued.session.tenantId)), session: publicSession(issued.session) };
  if (options.transport === "bearer") {
    body.token = issued.token;
    body.tokenType = "Bearer";
    return json(status, body);
  }
  return json(status, body, { "set-cookie": sessionCookie(cookie, issued.token, maxAge) });
}

/** Sign-up under `requireVerifiedEmail`: the same answer for a new and for a taken address, so nothing is enumerable. */
export function verificationRequired(): Response {
  return json(202, { verificationRequired: true });
}

export function publicUser(principal: UserPrincipal): Record<string, unknown> {
  return { id: principal.id, email: principal.email, emailVerified: principal.emailVerified, name: principal.name };
}

export function publicSession(session: SessionRecord): Record<string, unknown> {
  return {
    createdAt: session.createdAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    idleExpiresAt: session.idleExpiresAt.toISOString(),
    amr: session.amr,
    tenantId: session.tenantId,
  };
}
