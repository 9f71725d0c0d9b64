import type { Store } from "./consistency.js";

/** Stable event names; a dashboard can rely on them. */
export type AuditEventType = "sign_up" | "sign_in" | "sign_out" | (string & {});

export interface AuditEvent {
  id: string;
  type: AuditEventType;
  outcome: "success" | "failure" | "challenge";
  /** A stable reason code: "ok", "invalid_credentials", "storage_unavailable", ... */
  reason: string;
  at: Date;
  requestId: string;
  userId: string | null;
  /** A short, non-reversible reference to the session (never the token). */
  sessionRef: string | null;
  ip: string | null;
  userAgent: string | null;
  /** Extra structured fields; never secrets. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditSink extends Store {
  /** Must reject when the event was not durably accepted: the action then fails closed. */
  write(event: AuditEvent): Promise<void>;
}
