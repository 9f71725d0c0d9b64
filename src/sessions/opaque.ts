import type { RequestContext } from "../core/context.js";
import { sha256Base64Url, toBase64Url } from "../core/encoding.js";
import type { SessionRecord, SessionStore } from "../ports/session-store.js";
import type { IssuedToken, SessionInit, TokenStrategy, TokenStrategyProvider, VerifiedToken } from "../ports/token-strategy.js";
import { checkLiveness, newSessionTimes, type SessionTimeouts } from "./timeouts.js";

/** 256 random bits, base64url: 43 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Opaque session ids: the client holds 256 random bits, the store holds only
 * their SHA-256, so a leaked database cannot be replayed as cookies. A lookup
 * by hash needs no constant-time compare: the attacker controls the preimage,
 * not the key. One crypto call (the digest) per authenticated request.
 */
export function opaqueStrategy(sessions: SessionStore, timeouts: SessionTimeouts): TokenStrategy {
  return {
    kind: "opaque",

    async issue(init: SessionInit, ctx: RequestContext): Promise<IssuedToken> {
      const token = toBase64Url(ctx.random.bytes(32));
      const session: SessionRecord = {
        id: await sha256Base64Url(token),
        userId: init.user.id,
        tenantId: init.tenantId,
        amr: [...init.amr],
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        ...newSessionTimes(ctx.clock.now(), timeouts),
      };
      await sessions.create(session);
      return { token, session };
    },

    async verify(token: string, ctx: RequestContext): Promise<VerifiedToken | null> {
      if (!TOKEN_SHAPE.test(token)) return null;
      const session = await sessions.get(await sha256Base64Url(token));
      if (session === null) return null;
      const liveness = checkLiveness(session, ctx.clock.now(), timeouts);
      if (!liveness.alive) return null;
      if (liveness.touchTo !== null) {
        await sessions.touch(session.id, liveness.touchTo);
        session.idleExpiresAt = liveness.touchTo;
      }
      return { session, principal: null };
    },

    async revoke(session: SessionRecord): Promise<void> {
      await sessions.delete(session.id);
    },
  };
}

/** The default token strategy: opaque session ids, stored hashed. */
export function opaqueTokens(): TokenStrategyProvider {
  return {
    kind: "opaque",
    create: ({ sessions, timeouts }) => ({ strategy: opaqueStrategy(sessions, timeouts), routes: [] }),
  };
}
