import type { ApiKeyRecord } from "../ports/api-key-store.js";
import type { ApiKeyPrincipal, UserPrincipal } from "../ports/principal.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { TokenStrategy } from "../ports/token-strategy.js";
import type { Clock, RequestContext } from "../ports/request.js";
import type { User, UserStore } from "../ports/user-store.js";
import { readToken, type CookieOptions, type TokenSource } from "./http/transport.js";

/** Signed in with a session (cookie or bearer token). */
export interface SessionAuthResult {
  authenticated: true;
  principal: UserPrincipal;
  session: SessionRecord;
  source: TokenSource;
  token: string;
}

/**
 * Signed in with an API key: no session (`session: null`), no token kept. `header` names
 * the request header that carried the key ("authorization" or `settings.apiKeyHeader`).
 */
export interface ApiKeyAuthResult {
  authenticated: true;
  principal: ApiKeyPrincipal;
  session: null;
  source: "api_key";
  header: string;
  apiKey: ApiKeyRecord;
}

export type AuthResult = SessionAuthResult | ApiKeyAuthResult | { authenticated: false; reason: "no_token" | "invalid_token" };

/**
 * How the read path recognises API keys without knowing their format: the API-key credential
 * (`credentials/api-key.ts`) supplies it, so core depends on no credential.
 */
export interface ApiKeyReader {
  /** Does this bearer value claim to be an API key? A claimed key is never retried as a session token. */
  claims(token: string): boolean;
  /** The live record and its principal, or null (malformed, unknown, revoked, expired). Throws only `StorageError`. */
  verify(key: string, clock: Clock): Promise<{ record: ApiKeyRecord; principal: ApiKeyPrincipal } | null>;
}

export function toPrincipal(user: User, tenantId: string | null): UserPrincipal {
  return { type: "user", id: user.id, email: user.email, emailVerified: user.emailVerified, name: user.name, tenantId };
}

/**
 * The read path behind middleware and the gateway: token -> session -> principal, or
 * API key -> principal. One crypto call (the digest or the signature check). Store failures
 * throw `StorageError` so callers answer 503 instead of treating the user as anonymous.
 *
 * Where credentials are read, first match wins: `Authorization: Bearer` (an API key when it
 * starts with `pk_live_`/`pk_test_` and API keys are enabled, otherwise a session token), then
 * the API-key header (`settings.apiKeyHeader`), then the session cookie.
 */
export function createAuthenticator(deps: {
  strategy: TokenStrategy;
  users: UserStore;
  cookie: CookieOptions;
  apiKeys?: ApiKeyReader | undefined;
  apiKeyHeader?: string | null;
}): (ctx: RequestContext) => Promise<AuthResult> {
  const apiKeys = deps.apiKeys;
  const apiKeyHeader = deps.apiKeyHeader ?? null;

  async function viaApiKey(key: string, header: string, ctx: RequestContext): Promise<AuthResult> {
    const verified = await apiKeys!.verify(key, ctx.clock);
    if (verified === null) return { authenticated: false, reason: "invalid_token" };
    return { authenticated: true, principal: verified.principal, session: null, source: "api_key", header, apiKey: verified.record };
  }

  return async (ctx) => {
    if (apiKeys !== undefined && apiKeyHeader !== null && !ctx.request.headers.has("authorization")) {
      const value = ctx.request.headers.get(apiKeyHeader);
      if (value !== null) return viaApiKey(value.trim(), apiKeyHeader, ctx);
    }
    const presented = readToken(ctx.request, deps.cookie);
    if (presented === null) return { authenticated: false, reason: "no_token" };
    if (apiKeys !== undefined && presented.source === "bearer" && apiKeys.claims(presented.token)) {
      return viaApiKey(presented.token, "authorization", ctx);
    }
    const verified = await deps.strategy.verify(presented.token, ctx);
    if (verified === null) return { authenticated: false, reason: "invalid_token" };
    let principal = verified.principal;
    if (principal === null) {
      const user = await deps.users.findById(verified.session.userId);
      if (user === null) return { authenticated: false, reason: "invalid_token" };
      principal = toPrincipal(user, verified.session.tenantId);
    }
    return { authenticated: true, principal, session: verified.session, source: presented.source, token: presented.token };
  };
}
