import { describe, expect, test } from "vitest";
import { memoryAuditSink } from "../../src/adapters/memory/index.js";
import { auditToSink } from "../../src/authz/audit.js";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import type { DecisionReason } from "../../src/authz/types.js";
import { fixedClock } from "../../src/core/context.js";
import { AuditError } from "../../src/core/errors.js";
import type { AuthzResource, AuthzSubject } from "../../src/ports/authorization.js";
import { failingAudit, recordingAudit } from "./helpers.js";

const ROLES = [{ id: "editor", permissions: ["doc:*"], tenantId: null }];
const EDITOR: AuthzSubject = { type: "user", id: "u1", tenantId: "t1", roleIds: ["editor"] };
const DOC: AuthzResource = { type: "doc", id: "d1", tenantId: "t1" };

/** One request per denial reason. */
const DENIALS: [DecisionReason, AuthzSubject, string, AuthzResource | null][] = [
  ["explicit_deny", { ...EDITOR, grants: [{ permission: "doc:delete", effect: "deny", id: "no-delete" }] }, "doc:delete", DOC],
  ["tenant_boundary", EDITOR, "doc:read", { ...DOC, tenantId: "t2" }],
  ["scope_limit", { ...EDITOR, type: "api_key", scopes: ["doc:read"] }, "doc:write", DOC],
  ["default_deny", EDITOR, "user:read", null],
  ["invalid_request", EDITOR, "doc:*", DOC],
];

describe("every denial is audited", () => {
  test.each(DENIALS)("%s", async (reason, subject, action, resource) => {
    const { audit, records, requests } = recordingAudit();
    const authz = createAuthorizer({ audit, roles: ROLES });
    const decision = await authz.authorize(subject, action, resource, { requestId: "req-1" });
    expect(decision).toMatchObject({ allowed: false, reason, audited: true });
    expect(records).toHaveLength(1);
    expect(records[0]).toEqual({
      type: "authorize",
      outcome: "failure",
      reason,
      userId: "u1",
      detail: {
        action,
        subjectType: subject.type,
        subjectTenantId: "t1",
        resourceType: resource?.type ?? null,
        resourceId: resource?.id ?? null,
        resourceTenantId: resource?.tenantId ?? null,
        matched: reason === "explicit_deny" ? "grant:no-delete" : "",
      },
    });
    expect(requests[0]!.requestId).toBe("req-1");
  });

  test("evaluator errors are audited too", async () => {
    const { audit, records } = recordingAudit();
    const authz = createAuthorizer({ audit, roles: ROLES, evaluator: { evaluate: () => Promise.reject(new Error("down")) } });
    expect((await authz.authorize(EDITOR, "doc:read")).reason).toBe("evaluator_error");
    expect(records.map((r) => r.reason)).toEqual(["evaluator_error"]);
  });

  test("deny policies are named in the event", async () => {
    const { audit, records } = recordingAudit();
    const authz = createAuthorizer({
      audit,
      roles: ROLES,
      policies: [
        { id: "freeze", effect: "deny", actions: ["doc:write"] },
        { id: "weekend", effect: "deny", actions: ["*:write"] },
      ],
    });
    await authz.authorize(EDITOR, "doc:write", DOC);
    expect(records[0]!.detail!.matched).toBe("policy:freeze,policy:weekend");
  });

  test("an audit failure never turns a denial into an allow: it stays denied, audited: false", async () => {
    const { audit, attempts } = failingAudit();
    const authz = createAuthorizer({ audit, roles: ROLES });
    for (const [reason, subject, action, resource] of DENIALS) {
      const decision = await authz.authorize(subject, action, resource);
      expect(decision).toMatchObject({ allowed: false, reason, audited: false });
    }
    expect(attempts).toHaveLength(DENIALS.length);
  });

  test("allows are not audited by default (the hot path)", async () => {
    const { audit, records } = recordingAudit();
    const authz = createAuthorizer({ audit, roles: ROLES });
    expect(await authz.authorize(EDITOR, "doc:read", DOC)).toMatchObject({ allowed: true, audited: false });
    expect(records).toHaveLength(0);
  });

  test("auditAllows writes allows too, and an allow that cannot be audited is not given", async () => {
    const recorded = recordingAudit();
    const on = createAuthorizer({ audit: recorded.audit, roles: ROLES, auditAllows: true });
    expect(await on.authorize(EDITOR, "doc:read", DOC)).toMatchObject({ allowed: true, audited: true });
    expect(recorded.records).toMatchObject([{ outcome: "success", reason: "allowed", detail: { matched: "role:editor" } }]);

    const broken = createAuthorizer({ audit: failingAudit().audit, roles: ROLES, auditAllows: true });
    const error = await broken.authorize(EDITOR, "doc:read", DOC).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuditError);
    expect((error as AuditError).status).toBe(503);
  });

  test("auditToSink writes AuditEvents with the clock, the request id and the client IP", async () => {
    const sink = memoryAuditSink();
    const clock = fixedClock("2026-03-02T10:00:00Z");
    const authz = createAuthorizer({ audit: auditToSink(sink, { clock }), roles: ROLES });
    await authz.authorize({ subject: EDITOR, action: "user:read", requestId: "req-9", environment: { ip: "203.0.113.5" } });
    await authz.authorize(EDITOR, "user:read");
    const [first, second] = sink.events;
    expect(first).toMatchObject({
      type: "authorize",
      outcome: "failure",
      reason: "default_deny",
      at: new Date("2026-03-02T10:00:00Z"),
      requestId: "req-9",
      userId: "u1",
      sessionRef: null,
      ip: "203.0.113.5",
      userAgent: null,
      detail: { action: "user:read" },
    });
    expect(first!.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(second!.requestId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(second!.id).not.toBe(first!.id);
  });

  test("auditToSink turns a sink failure into AuditError (the denial still stands)", async () => {
    const sink = { consistency: "atomic" as const, write: () => Promise.reject(new Error("disk full")) };
    const authz = createAuthorizer({ audit: auditToSink(sink), roles: ROLES });
    expect(await authz.authorize(EDITOR, "user:read")).toMatchObject({ allowed: false, audited: false });
    await expect(auditToSink(sink)({ type: "authorize", outcome: "failure", reason: "x" }, { subject: EDITOR, action: "a:b" })).rejects.toBeInstanceOf(AuditError);
  });

  test("caller data in the event is type-checked and truncated", async () => {
    const { audit, records } = recordingAudit();
    const authz = createAuthorizer({ audit, roles: ROLES });
    await authz.authorize(EDITOR, "user:read", { type: "doc", id: "x".repeat(1000), tenantId: null, attributes: {} });
    await authz.authorize({ subject: { type: "user", id: { toString: () => "evil" } } as unknown as AuthzSubject, action: "doc:read" });
    expect((records[0]!.detail!.resourceId as string).length).toBe(259);
    expect(records[1]).toMatchObject({ reason: "invalid_request", userId: null });
  });
});
