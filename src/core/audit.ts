import type { AuditEvent, AuditEventType, AuditSink } from "../ports/audit-sink.js";
import type { RequestContext } from "./context.js";
import { toBase64Url } from "./encoding.js";
import { AuditError } from "./errors.js";

export interface AuditRecord {
  type: AuditEventType;
  outcome: AuditEvent["outcome"];
  reason: string;
  userId?: string | null;
  /** The session's store id; only its first 12 characters (a reference, not a credential) are written. */
  sessionId?: string | null;
  detail?: AuditEvent["detail"];
}

export type Auditor = (record: AuditRecord, ctx: RequestContext) => Promise<void>;

/**
 * The pipeline's only way to write audit events. A sink failure becomes an
 * `AuditError`, which callers let propagate: the action it describes fails closed.
 */
export function createAuditor(sink: AuditSink): Auditor {
  return async (record, ctx) => {
    const event: AuditEvent = {
      id: toBase64Url(ctx.random.bytes(12)),
      type: record.type,
      outcome: record.outcome,
      reason: record.reason,
      at: ctx.clock.now(),
      requestId: ctx.requestId,
      userId: record.userId ?? null,
      sessionRef: record.sessionId == null ? null : record.sessionId.slice(0, 12),
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    };
    if (record.detail !== undefined) event.detail = record.detail;
    try {
      await sink.write(event);
    } catch (cause) {
      throw new AuditError("audit sink refused the event", { cause });
    }
  };
}
