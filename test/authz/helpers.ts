import type { AuditRecord } from "../../src/core/audit.js";
import type { AuthorizationAuditor } from "../../src/authz/audit.js";
import type { AuthorizationRequest } from "../../src/authz/types.js";

/** An audit callback that keeps what it was given. */
export function recordingAudit(): { audit: AuthorizationAuditor; records: AuditRecord[]; requests: AuthorizationRequest[] } {
  const records: AuditRecord[] = [];
  const requests: AuthorizationRequest[] = [];
  return {
    records,
    requests,
    audit: async (record, request) => {
      records.push(record);
      requests.push(request);
    },
  };
}

/** An audit callback whose sink is down. */
export function failingAudit(): { audit: AuthorizationAuditor; attempts: AuditRecord[] } {
  const attempts: AuditRecord[] = [];
  return {
    attempts,
    audit: async (record) => {
      attempts.push(record);
      throw new Error("audit sink down");
    },
  };
}

export const noAudit: AuthorizationAuditor = async () => undefined;
