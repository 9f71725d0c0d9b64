import { describe, expect, test } from "vitest";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import type { AuthorizationRequest, Decision, PolicyDocument } from "../../src/authz/types.js";
import { ConfigurationError } from "../../src/core/errors.js";
import type { AuthzSubject } from "../../src/ports/authorization.js";
import { noAudit, recordingAudit } from "./helpers.js";

const OWNER_EDITS: PolicyDocument = {
  id: "owner-edits",
  effect: "allow",
  actions: ["doc:write"],
  condition: { eq: [{ ref: "resource.attributes.ownerId" }, { ref: "subject.id" }] },
};
const FREEZE: PolicyDocument = { id: "freeze", effect: "deny", actions: ["doc:write"] };
const U1: AuthzSubject = { type: "user", id: "u1", tenantId: "t1" };
const mine = { type: "doc", id: "d1", tenantId: "t1", attributes: { ownerId: "u1" } };
const theirs = { type: "doc", id: "d2", tenantId: "t1", attributes: { ownerId: "u2" } };

function differences(): { list: { request: AuthorizationRequest; live: Decision; candidate: Decision }[]; onDifference: (r: AuthorizationRequest, l: Decision, c: Decision) => void } {
  const list: { request: AuthorizationRequest; live: Decision; candidate: Decision }[] = [];
  return { list, onDifference: (request, live, candidate) => list.push({ request, live, candidate }) };
}

describe("dry-run: a candidate policy set beside the live one", () => {
  test("reports what the candidate would change, never enforces it", async () => {
    const seen = differences();
    const authz = createAuthorizer({ audit: noAudit, policies: [OWNER_EDITS], dryRun: { policies: [OWNER_EDITS, FREEZE], onDifference: seen.onDifference } });

    const live = await authz.authorize(U1, "doc:write", mine);
    expect(live).toMatchObject({ allowed: true, reason: "allowed" }); // the live set decides
    expect(seen.list).toHaveLength(1);
    expect(seen.list[0]!.live).toBe(live);
    expect(seen.list[0]!.candidate).toMatchObject({ allowed: false, reason: "explicit_deny", matched: [{ kind: "policy", id: "freeze", effect: "deny" }], audited: false });
    expect(seen.list[0]!.request).toMatchObject({ action: "doc:write", resource: mine });

    // Both deny, for different reasons: a changed reason is a difference too.
    expect((await authz.authorize(U1, "doc:write", theirs)).reason).toBe("default_deny");
    expect(seen.list[1]!.candidate.reason).toBe("explicit_deny");

    // Identical decisions are compared but not reported.
    expect((await authz.authorize(U1, "doc:read", mine)).reason).toBe("default_deny");
    expect(authz.dryRunStats()).toEqual({ compared: 3, differences: 2, candidateErrors: 0 });
  });

  test("a candidate that drops a policy shows the allows it would remove", async () => {
    const seen = differences();
    const authz = createAuthorizer({ audit: noAudit, policies: [OWNER_EDITS], dryRun: { policies: [], onDifference: seen.onDifference } });
    expect((await authz.authorize(U1, "doc:write", mine)).allowed).toBe(true);
    expect(seen.list.map((d) => [d.live.reason, d.candidate.reason])).toEqual([["allowed", "default_deny"]]);
  });

  test("roles, grants, tenant and scopes are shared: only the policy layer differs", async () => {
    const seen = differences();
    const authz = createAuthorizer({
      audit: noAudit,
      roles: [{ id: "editor", permissions: ["doc:*"], tenantId: null }],
      dryRun: { policies: [FREEZE], onDifference: seen.onDifference },
    });
    const editor: AuthzSubject = { ...U1, roleIds: ["editor"] };
    await authz.authorize(editor, "doc:read", { ...mine, tenantId: "t2" }); // tenant boundary in both
    await authz.authorize({ ...editor, grants: [{ permission: "doc:write", effect: "deny" }] }, "doc:write", mine); // explicit deny in both
    expect(seen.list).toHaveLength(0);
    await authz.authorize(editor, "doc:write", mine);
    expect(seen.list.map((d) => [d.live.reason, d.candidate.reason])).toEqual([["allowed", "explicit_deny"]]);
    // The resolution order applies to the candidate too: its deny outranks the tenant boundary.
    await authz.authorize(editor, "doc:write", { ...mine, tenantId: "t2" });
    expect(seen.list[1]!.live.reason).toBe("tenant_boundary");
    expect(seen.list[1]!.candidate.reason).toBe("explicit_deny");
  });

  test("a failing candidate evaluator is counted and never touches the live decision", async () => {
    const authz = createAuthorizer({
      audit: noAudit,
      policies: [OWNER_EDITS],
      dryRun: { evaluator: { evaluate: () => Promise.reject(new Error("candidate down")) } },
    });
    expect((await authz.authorize(U1, "doc:write", mine)).allowed).toBe(true);
    expect(authz.dryRunStats()).toEqual({ compared: 1, differences: 1, candidateErrors: 1 });
  });

  test("a throwing onDifference hook is ignored", async () => {
    const authz = createAuthorizer({
      audit: noAudit,
      policies: [OWNER_EDITS],
      dryRun: {
        policies: [],
        onDifference: () => {
          throw new Error("hook bug");
        },
      },
    });
    expect((await authz.authorize(U1, "doc:write", mine)).allowed).toBe(true);
    expect(authz.dryRunStats()!.differences).toBe(1);
  });

  test("candidate denials are not audited; live ones are", async () => {
    const { audit, records } = recordingAudit();
    const authz = createAuthorizer({ audit, policies: [OWNER_EDITS], dryRun: { policies: [OWNER_EDITS, FREEZE] } });
    await authz.authorize(U1, "doc:write", mine); // live allow, candidate deny
    expect(records).toHaveLength(0);
    await authz.authorize(U1, "doc:write", theirs); // live deny
    expect(records.map((r) => r.reason)).toEqual(["default_deny"]);
  });

  test("without dryRun there are no stats; a dryRun needs a candidate, and candidate policies are validated", () => {
    expect(createAuthorizer({ audit: noAudit }).dryRunStats()).toBeNull();
    expect(() => createAuthorizer({ audit: noAudit, dryRun: {} })).toThrow(ConfigurationError);
    expect(() => createAuthorizer({ audit: noAudit, dryRun: { policies: [{ id: "x", effect: "allow", actions: ["do*:x"] }] } })).toThrow(/dryRun\.policies/);
  });
});
