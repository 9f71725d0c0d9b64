import type { AuditRecord } from "../core/audit.js";
import type { RequestContext } from "../core/context.js";
import type { AuditEvent } from "../ports/audit-sink.js";
import type { Actor } from "./actor.js";
import type { AdminDeps } from "./context.js";

/** Stable event types of the admin API (`AuditEventType` accepts namespaced strings). */
export type AdminEventType =
  | "admin.role_assigned"
  | "admin.role_unassigned"
  | "admin.grant_set"
  | "admin.grant_removed"
  | "admin.member_added"
  | "admin.member_removed"
  | "admin.service_account_created"
  | "admin.api_key_created"
  | "admin.api_key_revoked";

type Detail = NonNullable<AuditEvent["detail"]>;

/** The actor is the event's user; the target and what changed go in `detail`. Never a secret. */
function successRecord(actor: Actor, type: AdminEventType, detail: Detail): AuditRecord {
  return {
    type,
    outcome: "success",
    reason: "ok",
    userId: actor.userId,
    sessionId: actor.sessionId,
    detail: { actorType: actor.principal.type, actorApiKeyId: actor.apiKeyId, ...detail },
  };
}

/**
 * Audit by construction: the write has happened, its event must be accepted, or the write is
 * undone and the caller gets the sink's `AuditError` (503 `audit_unavailable`). If the undo
 * fails too (the store is down as well), the AuditError is still the answer: the store's
 * failure is not more useful to the client, and retrying is the remedy for both.
 */
export async function auditOrUndo(
  deps: AdminDeps,
  ctx: RequestContext,
  actor: Actor,
  type: AdminEventType,
  detail: Detail,
  undo: () => Promise<void>,
): Promise<void> {
  try {
    await deps.host.audit(successRecord(actor, type, detail), ctx);
  } catch (error) {
    try {
      await undo();
    } catch {
      // See above: the audit failure is reported.
    }
    throw error;
  }
}

/**
 * A refusal decided here rather than by the authorizer (escalation, a null target tenant,
 * a key minted with a key), recorded like the authorizer's denials. Best effort: the
 * refusal stands whether or not the sink takes it.
 */
export async function auditRefusal(deps: AdminDeps, ctx: RequestContext, actor: Actor, action: string, reason: string, detail: Detail = {}): Promise<void> {
  try {
    await deps.host.audit(
      {
        type: "authorize",
        outcome: "failure",
        reason,
        userId: actor.userId,
        sessionId: actor.sessionId,
        detail: { action, subjectType: actor.principal.type, subjectTenantId: actor.tenantId, ...detail },
      },
      ctx,
    );
  } catch {
    // A denial is safe without its record.
  }
}
