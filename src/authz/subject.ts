import type { AuthzSubject, Grant, Permission } from "../ports/authorization.js";
import type { ApiKeyPrincipal, Principal } from "../ports/principal.js";

export interface SubjectExtras {
  /** The tenant the principal acts in; default: the principal's own (its session's). */
  tenantId?: string | null;
  roleIds?: readonly string[];
  grants?: readonly Grant[];
  scopes?: readonly Permission[];
  attributes?: Readonly<Record<string, unknown>>;
}

/**
 * An API key acts in its own tenant and within its own scopes: both come from the key and
 * cannot be changed here (a different `tenantId`, or any `scopes`, throws `TypeError`, so a
 * caller cannot widen a key by mistake). Roles, grants and attributes are the caller's, usually
 * the owner's.
 */
function apiKeySubject(principal: ApiKeyPrincipal, extras: SubjectExtras): AuthzSubject & ApiKeyPrincipal {
  if (extras.tenantId !== undefined && extras.tenantId !== principal.tenantId) {
    throw new TypeError("subjectFrom: an API key acts in its own tenant; do not pass a different tenantId");
  }
  if (extras.scopes !== undefined) throw new TypeError("subjectFrom: an API key's scopes come from the key; do not pass scopes");
  const subject: AuthzSubject & ApiKeyPrincipal = { ...principal, scopes: [...principal.scopes] };
  if (extras.roleIds !== undefined) subject.roleIds = extras.roleIds;
  if (extras.grants !== undefined) subject.grants = extras.grants;
  if (extras.attributes !== undefined) subject.attributes = extras.attributes;
  return subject;
}

/**
 * A principal from the read path plus what the caller knows about it. The principal's
 * own fields stay readable by policies (`subject.email`, `subject.emailVerified`).
 */
export function subjectFrom(principal: Principal, extras: SubjectExtras = {}): AuthzSubject & Principal {
  if (principal.type === "api_key") return apiKeySubject(principal, extras);
  // The session's tenant unless the caller knows better (it then owns the membership check).
  const subject: AuthzSubject & Principal = { ...principal, tenantId: extras.tenantId !== undefined ? extras.tenantId : (principal.tenantId ?? null) };
  if (extras.roleIds !== undefined) subject.roleIds = extras.roleIds;
  if (extras.grants !== undefined) subject.grants = extras.grants;
  if (extras.scopes !== undefined) subject.scopes = extras.scopes;
  if (extras.attributes !== undefined) subject.attributes = extras.attributes;
  return subject;
}
