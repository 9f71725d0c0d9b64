import type { SessionRecord } from "../ports/session-store.js";
import type { SessionTimeouts } from "../ports/token-strategy.js";

export type { SessionTimeouts } from "../ports/token-strategy.js";

export type Liveness = { alive: true; touchTo: Date | null } | { alive: false };

/**
 * Decides whether a session is alive at `now` and whether its idle deadline
 * should slide. Sliding writes to the store, so it happens at most once per
 * `min(idle / 10, 5 min)`: idle sessions still end close to their deadline
 * while busy ones cost one write every few minutes, not one per request.
 */
export function checkLiveness(session: SessionRecord, now: Date, timeouts: SessionTimeouts): Liveness {
  const at = now.getTime();
  if (at >= session.expiresAt.getTime() || at >= session.idleExpiresAt.getTime()) return { alive: false };
  const next = Math.min(at + timeouts.idle, session.expiresAt.getTime());
  const step = Math.min(timeouts.idle / 10, 300_000);
  return { alive: true, touchTo: next - session.idleExpiresAt.getTime() >= step ? new Date(next) : null };
}

export function newSessionTimes(now: Date, timeouts: SessionTimeouts): Pick<SessionRecord, "createdAt" | "expiresAt" | "idleExpiresAt"> {
  const at = now.getTime();
  return {
    createdAt: new Date(at),
    expiresAt: new Date(at + timeouts.absolute),
    idleExpiresAt: new Date(at + Math.min(timeouts.idle, timeouts.absolute)),
  };
}
