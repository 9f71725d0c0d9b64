import type { AuditEvent } from "../../ports/audit-sink.js";
import type { Credential } from "../../ports/credential-store.js";
import type { StoredKey } from "../../ports/key-store.js";
import type { SessionRecord } from "../../ports/session-store.js";
import type { User } from "../../ports/user-store.js";

/**
 * Field-by-field copies: what goes in or comes out of a memory store never
 * shares a Date, array or object with the store, and unknown extra fields are
 * dropped exactly as a SQL store would drop them.
 */
const date = (value: Date): Date => new Date(value.getTime());

export function copyUser(user: User): User {
  return {
    id: user.id,
    kind: user.kind,
    email: user.email,
    emailVerified: user.emailVerified,
    name: user.name,
    createdAt: date(user.createdAt),
    updatedAt: date(user.updatedAt),
  };
}

export function copyCredential(credential: Credential): Credential {
  return {
    id: credential.id,
    userId: credential.userId,
    type: credential.type,
    identifier: credential.identifier,
    secret: credential.secret,
    createdAt: date(credential.createdAt),
    updatedAt: date(credential.updatedAt),
  };
}

export function copySession(session: SessionRecord): SessionRecord {
  return {
    id: session.id,
    userId: session.userId,
    tenantId: session.tenantId,
    createdAt: date(session.createdAt),
    expiresAt: date(session.expiresAt),
    idleExpiresAt: date(session.idleExpiresAt),
    amr: [...session.amr],
    ip: session.ip,
    userAgent: session.userAgent,
  };
}

export function copyAuditEvent(event: AuditEvent): AuditEvent {
  const copy: AuditEvent = {
    id: event.id,
    type: event.type,
    outcome: event.outcome,
    reason: event.reason,
    at: date(event.at),
    requestId: event.requestId,
    userId: event.userId,
    sessionRef: event.sessionRef,
    ip: event.ip,
    userAgent: event.userAgent,
  };
  if (event.detail !== undefined) copy.detail = { ...event.detail };
  return copy;
}

export function copyKey(key: StoredKey): StoredKey {
  return {
    kid: key.kid,
    alg: key.alg,
    privateJwk: structuredClone(key.privateJwk),
    publicJwk: structuredClone(key.publicJwk),
    createdAt: date(key.createdAt),
    status: key.status,
  };
}

/** Oldest first, ties broken by id: the order the SQL stores use. */
export function byCreatedAt(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
