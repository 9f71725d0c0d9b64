import type { AuditRecord } from "../core/audit.js";
import { cryptoRandom, systemClock, type Clock, type Random } from "../core/context.js";
import { toBase64Url } from "../core/encoding.js";
import { AuditError } from "../core/errors.js";
import type { AuditEvent, AuditSink } from "../ports/audit-sink.js";
import type { AuthorizationRequest, Decision } from "./types.js";

/**
 * Writes one authorization audit event. It receives the same `AuditRecord` the
 * pipeline's `Auditor` writes (type "authorize") plus the request, so an adapter can
 * fill the client IP and request id. Must reject when the event was not accepted.
 */
export type AuthorizationAuditor = (record: AuditRecord, request: AuthorizationRequest) => Promise<void>;

/** The adapter to an `AuditSink` (any store's `audit`): one `AuditEvent` per record. */
export function auditToSink(sink: AuditSink, options: { clock?: Clock; random?: Random } = {}): AuthorizationAuditor {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  return async (record, request) => {
    const ip = request.environment?.ip;
    const event: AuditEvent = {
      id: toBase64Url(random.bytes(12)),
      type: record.type,
      outcome: record.outcome,
      reason: record.reason,
      at: clock.now(),
      requestId: typeof request.requestId === "string" ? request.requestId : toBase64Url(random.bytes(12)),
      userId: record.userId ?? null,
      sessionRef: null,
      ip: typeof ip === "string" ? ip : null,
      userAgent: null,
    };
    if (record.detail !== undefined) event.detail = record.detail;
    try {
      await sink.write(event);
    } catch (cause) {
      throw new AuditError("audit sink refused the authorization event", { cause });
    }
  };
}

const MAX_FIELD = 256;

/**
 * The audit record of a decision: who, what, on which resource, why, and which rules
 * decided (ids joined, as audit details are flat). Values are caller data, so they are
 * type-checked and truncated, never trusted to be strings.
 */
export function decisionRecord(request: AuthorizationRequest, decision: Pick<Decision, "allowed" | "matched"> & { reason: string }): AuditRecord {
  const subject = request.subject as Partial<AuthorizationRequest["subject"]> | null | undefined;
  const resource = request.resource ?? null;
  return {
    type: "authorize",
    outcome: decision.allowed ? "success" : "failure",
    reason: decision.reason,
    userId: text(subject?.id),
    detail: {
      action: text(request.action),
      subjectType: text(subject?.type),
      subjectTenantId: text(subject?.tenantId),
      resourceType: text(resource?.type),
      resourceId: text(resource?.id),
      resourceTenantId: text(resource?.tenantId),
      matched: clip(decision.matched.map((rule) => `${rule.kind}:${rule.id}`).join(",")),
    },
  };
}

function text(value: unknown): string | null {
  return typeof value === "string" ? clip(value) : null;
}

function clip(value: string): string {
  return value.length > MAX_FIELD ? value.slice(0, MAX_FIELD) + "..." : value;
}
