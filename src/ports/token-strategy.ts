import type { KeyStore } from "./key-store.js";
import type { UserPrincipal } from "./principal.js";
import type { Clock, PluginRoute, RequestContext } from "./request.js";
import type { SessionRecord, SessionStore } from "./session-store.js";
import type { User } from "./user-store.js";

export interface IssuedToken {
  /** What the client presents: cookie value or bearer token. */
  token: string;
  session: SessionRecord;
}

export interface VerifiedToken {
  session: SessionRecord;
  /** Present when the token itself carries the identity (JWT); otherwise the caller loads the user. */
  /** Sessions only ever belong to users: API keys and service principals have no sessions. */
  principal: UserPrincipal | null;
}

export interface SessionInit {
  user: User;
  amr: string[];
  /** The tenant the new session acts in (the user's oldest membership), or null. */
  tenantId: string | null;
}

/**
 * Turns a session into the token a client carries, and back. Implementations:
 * opaque ids (stored hashed) and JWTs (signed, with a server-side revocation check).
 * `verify` returns null for any token that is not a live session; it throws only
 * `StorageError`, so the caller fails closed.
 */
export interface TokenStrategy {
  readonly kind: "opaque" | "jwt";
  issue(init: SessionInit, ctx: RequestContext): Promise<IssuedToken>;
  verify(token: string, ctx: RequestContext): Promise<VerifiedToken | null>;
  /**
   * Ends a session already verified or just issued: callers hold its record, so the token
   * is not checked a second time.
   */
  revoke(session: SessionRecord, ctx: RequestContext): Promise<void>;
}

export interface SessionTimeouts {
  /** Milliseconds a session may sit unused. */
  idle: number;
  /** Milliseconds a session may live at all. */
  absolute: number;
}

export interface TokenStrategyDeps {
  sessions: SessionStore;
  keys: KeyStore | undefined;
  clock: Clock;
  timeouts: SessionTimeouts;
}

/**
 * How `createAuth` receives a token strategy: injected, never chosen by an `if`
 * in core. `opaqueTokens()` is the default; `jwtTokens({...})` brings its own
 * routes (the JWKS) and needs the key store.
 */
export interface TokenStrategyProvider {
  readonly kind: TokenStrategy["kind"];
  create(deps: TokenStrategyDeps): { strategy: TokenStrategy; routes: PluginRoute[] };
}
