import type { AuthzSubject, Grant, Permission } from "../ports/authorization.js";
import type { Principal } from "../ports/principal.js";

export interface SubjectExtras {
  /** The tenant the principal acts in (one tenant per user in 0.3). */
  tenantId?: string | null;
  roleIds?: readonly string[];
  grants?: readonly Grant[];
  scopes?: readonly Permission[];
  attributes?: Readonly<Record<string, unknown>>;
}

/**
 * A principal from the read path plus what the caller knows about it. The principal's
 * own fields stay readable by policies (`subject.email`, `subject.emailVerified`).
 */
export function subjectFrom(principal: Principal, extras: SubjectExtras = {}): AuthzSubject & Principal {
  const subject: AuthzSubject & Principal = { ...principal, tenantId: extras.tenantId ?? null };
  if (extras.roleIds !== undefined) subject.roleIds = extras.roleIds;
  if (extras.grants !== undefined) subject.grants = extras.grants;
  if (extras.scopes !== undefined) subject.scopes = extras.scopes;
  if (extras.attributes !== undefined) subject.attributes = extras.attributes;
  return subject;
}
