import type { AuditEvent, AuditSink } from "../../ports/audit-sink.js";
import type { Store } from "../../ports/consistency.js";
import { copyAuditEvent } from "./copy.js";

export interface MemoryAuditSink extends AuditSink, Store {
  /** Accepted events, oldest first (copies: mutating them changes nothing). */
  readonly events: readonly AuditEvent[];
}

/** Keeps events in this closure's memory; idempotent on `id` like the SQL sink. */
export function memoryAuditSink(): MemoryAuditSink {
  const events: AuditEvent[] = [];
  const ids = new Set<string>();
  return {
    consistency: "atomic",
    get events(): readonly AuditEvent[] {
      return Object.freeze(events.map(copyAuditEvent));
    },
    async write(event: AuditEvent): Promise<void> {
      if (ids.has(event.id)) return;
      ids.add(event.id);
      events.push(copyAuditEvent(event));
    },
  };
}
