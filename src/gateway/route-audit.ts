/**
 * Route denials into the audit trail: a `RouteAudit` that writes each denial as an
 * `AuditEvent` (type `route_denied`) to any `AuditSink` (D1, SQL, memory).
 */
import { cryptoRandom, systemClock, type Clock, type Random } from "../core/context.js";
import { toBase64Url } from "../core/encoding.js";
import type { AuditEvent, AuditSink } from "../ports/audit-sink.js";
import type { RouteAudit, RouteDenial } from "./route-authorization.js";

export interface RouteDenialAuditOptions {
  /** The trusted client-IP header (the gateway's `cf-connecting-ip`); null records no IP. */
  ipHeader: string | null;
  clock?: Clock;
  random?: Random;
}

const MAX_USER_AGENT = 512;

/**
 * Builds the event: who (user id, a 12-character session reference), what (method, path, the
 * rule and its requirement) and why (reason code and the check's own reason). The query string,
 * cookies and tokens are never written; the path is `url.pathname` (percent-encoded ASCII, so
 * no control characters reach a log line) cut to 512 characters.
 */
export function routeDenialEvent(denial: RouteDenial, options: RouteDenialAuditOptions): AuditEvent {
  const random = options.random ?? cryptoRandom;
  const { rule } = denial;
  const userAgent = denial.request.headers.get("user-agent");
  return {
    id: toBase64Url(random.bytes(12)),
    type: "route_denied",
    outcome: "failure",
    reason: denial.reason,
    at: (options.clock ?? systemClock).now(),
    requestId: toBase64Url(random.bytes(12)),
    userId: denial.principal.type === "api_key" ? denial.principal.ownerId : denial.principal.id,
    sessionRef: denial.sessionId === null ? null : denial.sessionId.slice(0, 12),
    ip: options.ipHeader === null ? null : denial.request.headers.get(options.ipHeader),
    userAgent: userAgent === null ? null : userAgent.slice(0, MAX_USER_AGENT),
    detail: {
      method: denial.method,
      path: denial.path,
      rule: rule === null ? null : rule.index,
      rulePath: rule?.path ?? null,
      permission: rule?.permission ?? null,
      policy: rule?.policy ?? null,
      checkReason: denial.detail,
    },
  };
}

/** A `RouteAudit` writing to `sink`; a rejected write propagates, so the denial answers 503. */
export function auditRouteDenials(sink: AuditSink, options: RouteDenialAuditOptions): RouteAudit {
  return (denial: RouteDenial): Promise<void> => sink.write(routeDenialEvent(denial, options));
}
