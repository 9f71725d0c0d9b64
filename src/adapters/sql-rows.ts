/**
 * Domain records to table rows, shared by the SQLite/D1 and PostgreSQL families: both
 * Drizzle schemas use the same property names and store dates as `Date`, so one mapping
 * serves both. Each function copies what it is given (callers may mutate their input).
 */
import type { ApiKeyRecord } from "../ports/api-key-store.js";
import type { AuditEvent } from "../ports/audit-sink.js";
import type { Credential, NewCredential } from "../ports/credential-store.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { NewUser, User } from "../ports/user-store.js";

export function userRow(user: NewUser): User {
  return {
    id: user.id,
    kind: user.kind,
    email: user.email,
    emailVerified: user.emailVerified,
    name: user.name,
    createdAt: new Date(user.createdAt.getTime()),
    updatedAt: new Date(user.createdAt.getTime()),
  };
}

export function credentialRow(credential: NewCredential): Credential {
  return {
    id: credential.id,
    userId: credential.userId,
    type: credential.type,
    identifier: credential.identifier,
    secret: credential.secret,
    createdAt: credential.createdAt,
    updatedAt: credential.createdAt,
  };
}

export function sessionRow(session: SessionRecord): SessionRecord {
  return {
    id: session.id,
    userId: session.userId,
    tenantId: session.tenantId,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    idleExpiresAt: session.idleExpiresAt,
    amr: [...session.amr],
    ip: session.ip,
    userAgent: session.userAgent,
  };
}

/** Every column set: an absent `lastUsedAt` is stored (and read back) as null. */
export function apiKeyRow(record: ApiKeyRecord): Required<ApiKeyRecord> {
  return {
    id: record.id,
    ownerId: record.ownerId,
    tenantId: record.tenantId,
    name: record.name,
    prefix: record.prefix,
    secretHash: record.secretHash,
    scopes: [...record.scopes],
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    lastUsedAt: record.lastUsedAt ?? null,
  };
}

export function auditRow(event: AuditEvent): Omit<AuditEvent, "detail"> & { detail: AuditEvent["detail"] | null } {
  return {
    id: event.id,
    type: event.type,
    outcome: event.outcome,
    reason: event.reason,
    at: event.at,
    requestId: event.requestId,
    userId: event.userId,
    sessionRef: event.sessionRef,
    ip: event.ip,
    userAgent: event.userAgent,
    detail: event.detail ?? null,
  };
}
