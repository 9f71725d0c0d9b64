import type { Membership } from "../ports/access-store.js";
import type { Grant } from "../ports/authorization.js";
import type { ApiKeyRecord } from "../ports/api-key-store.js";

/** What clients may see of a key: never `secretHash`, never the key. */
export function publicApiKey(record: ApiKeyRecord): Record<string, unknown> {
  return {
    id: record.id,
    prefix: record.prefix,
    name: record.name,
    ownerId: record.ownerId,
    tenantId: record.tenantId,
    scopes: [...record.scopes],
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
  };
}

export function publicMembership(membership: Membership): Record<string, unknown> {
  return { principalId: membership.principalId, tenantId: membership.tenantId, createdAt: membership.createdAt.toISOString() };
}

export function publicGrant(grant: Grant): Record<string, unknown> {
  return { id: grant.id ?? grant.permission, permission: grant.permission, effect: grant.effect };
}
