import type { Principal } from "../ports/principal.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { TokenStrategy } from "../ports/token-strategy.js";
import type { User, UserStore } from "../ports/user-store.js";
import { readToken, type CookieOptions, type TokenSource } from "../sessions/transport.js";
import type { RequestContext } from "./context.js";

export type AuthResult =
  | { authenticated: true; principal: Principal; session: SessionRecord; source: TokenSource; token: string }
  | { authenticated: false; reason: "no_token" | "invalid_token" };

export function toPrincipal(user: User): Principal {
  return { type: "user", id: user.id, email: user.email, emailVerified: user.emailVerified, name: user.name };
}

/**
 * The read path behind middleware and the gateway: token -> session -> principal.
 * One crypto call (the digest or the signature check). Store failures throw
 * `StorageError` so callers answer 503 instead of treating the user as anonymous.
 */
export function createAuthenticator(deps: {
  strategy: TokenStrategy;
  users: UserStore;
  cookie: CookieOptions;
}): (ctx: RequestContext) => Promise<AuthResult> {
  return async (ctx) => {
    const presented = readToken(ctx.request, deps.cookie);
    if (presented === null) return { authenticated: false, reason: "no_token" };
    const verified = await deps.strategy.verify(presented.token, ctx);
    if (verified === null) return { authenticated: false, reason: "invalid_token" };
    let principal = verified.principal;
    if (principal === null) {
      const user = await deps.users.findById(verified.session.userId);
      if (user === null) return { authenticated: false, reason: "invalid_token" };
      principal = toPrincipal(user);
    }
    return { authenticated: true, principal, session: verified.session, source: presented.source, token: presented.token };
  };
}
