import { describe, expect, test } from "vitest";
import { attributePolicies } from "../../src/authz/attribute-policies.js";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import { memoryAssignments } from "../../src/authz/memory-assignments.js";
import type { PolicyDocument } from "../../src/authz/types.js";
import { fixedClock } from "../../src/core/context.js";
import type { AuthzSubject, PolicyEvaluator, PolicyOutcome, PolicyRequest } from "../../src/ports/authorization.js";
import { noAudit, recordingAudit } from "./helpers.js";

const ROLES = [{ id: "admin", permissions: ["*"], tenantId: null }];
const ADMIN: AuthzSubject = { type: "user", id: "u1", tenantId: "t1", roleIds: ["admin"] };

function evaluator(answer: (request: PolicyRequest) => Promise<readonly PolicyOutcome[]>): PolicyEvaluator & { calls: PolicyRequest[] } {
  const calls: PolicyRequest[] = [];
  return {
    calls,
    evaluate(request) {
      calls.push(request);
      return answer(request);
    },
  };
}

describe("the PolicyEvaluator port", () => {
  test("a custom evaluator's allows and denies take part in the decision", async () => {
    const remote = evaluator(async (request) =>
      request.action === "doc:read" ? [{ policyId: "remote-read", effect: "allow" }] : [{ policyId: "remote-no", effect: "deny" }],
    );
    const authz = createAuthorizer({ audit: noAudit, evaluator: remote });
    expect(await authz.authorize({ type: "user", id: "u1" }, "doc:read")).toMatchObject({
      allowed: true,
      reason: "allowed",
      matched: [{ kind: "policy", id: "remote-read", effect: "allow" }],
    });
    expect((await authz.authorize({ ...ADMIN }, "doc:write")).matched).toEqual([{ kind: "policy", id: "remote-no", effect: "deny" }]);
  });

  test("it sees the subject with its effective roles and grants, the resource and environment.now", async () => {
    const remote = evaluator(async () => []);
    const clock = fixedClock("2026-03-02T10:00:00Z");
    const authz = createAuthorizer({
      audit: noAudit,
      evaluator: remote,
      clock,
      assignments: memoryAssignments([{ subjectId: "u1", tenantId: "t1", roleIds: ["viewer"], grants: [{ permission: "doc:read", effect: "allow" }] }]),
    });
    await authz.authorize({ ...ADMIN }, "doc:read", { type: "doc", id: "d1", tenantId: "t1" }, { environment: { ip: "10.0.0.1" } });
    const [seen] = remote.calls;
    expect(seen!.subject).toMatchObject({ id: "u1", roleIds: ["admin", "viewer"], grants: [{ permission: "doc:read", effect: "allow" }] });
    expect(seen!.action).toBe("doc:read");
    expect(seen!.resource).toEqual({ type: "doc", id: "d1", tenantId: "t1" });
    expect(seen!.environment).toEqual({ ip: "10.0.0.1", now: new Date("2026-03-02T10:00:00Z") });
  });

  test.each([
    ["rejects", () => Promise.reject(new Error("policy service down"))],
    ["throws synchronously", (): Promise<readonly PolicyOutcome[]> => {
      throw new Error("bug");
    }],
    ["answers a non-list", () => Promise.resolve({ allow: true } as unknown as PolicyOutcome[])],
    ["answers an unknown effect", () => Promise.resolve([{ policyId: "p", effect: "permit" }] as unknown as PolicyOutcome[])],
    ["answers an outcome without id", () => Promise.resolve([{ effect: "allow" }] as unknown as PolicyOutcome[])],
    ["answers null", () => Promise.resolve(null as unknown as PolicyOutcome[])],
  ])("an evaluator that %s fails CLOSED, even when a role allows", async (_, answer) => {
    const { audit, records } = recordingAudit();
    const authz = createAuthorizer({ audit, roles: ROLES, evaluator: { evaluate: answer } });
    const decision = await authz.authorize(ADMIN, "doc:read");
    expect(decision).toEqual({ allowed: false, reason: "evaluator_error", matched: [], audited: true });
    expect(records).toMatchObject([{ type: "authorize", outcome: "failure", reason: "evaluator_error" }]);
  });

  test("a known deny still wins over an evaluator error: a deny grant (evaluator not asked) or a built-in deny policy", async () => {
    const down = evaluator(() => Promise.reject(new Error("down")));
    const policies: PolicyDocument[] = [{ id: "no-deletes", effect: "deny", actions: ["*:delete"] }];
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES, policies, evaluator: down });
    const grantDeny = await authz.authorize({ ...ADMIN, grants: [{ permission: "doc:read", effect: "deny", id: "g" }] }, "doc:read");
    expect(grantDeny.reason).toBe("explicit_deny");
    expect(down.calls).toHaveLength(0);
    expect((await authz.authorize(ADMIN, "doc:delete")).matched).toEqual([{ kind: "policy", id: "no-deletes", effect: "deny" }]);
    expect((await authz.authorize(ADMIN, "doc:read")).reason).toBe("evaluator_error");
  });

  test("a hung evaluator is cut off by evaluatorTimeout: evaluator_error, not a hung request", async () => {
    const hung = evaluator(() => new Promise(() => undefined));
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES, evaluator: hung, evaluatorTimeout: 25 });
    expect(await authz.authorize(ADMIN, "doc:read")).toMatchObject({ allowed: false, reason: "evaluator_error" });
    expect(() => createAuthorizer({ audit: noAudit, evaluatorTimeout: 0 })).toThrow(/evaluatorTimeout/);
  });

  test("a slow evaluator's late answer is the one used (no race with the live decision)", async () => {
    const slow = evaluator(() => new Promise((resolve) => setTimeout(() => resolve([{ policyId: "late", effect: "deny" }]), 20)));
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES, evaluator: slow });
    expect((await authz.authorize(ADMIN, "doc:read")).reason).toBe("explicit_deny");
  });

  test("attributePolicies() is the built-in engine behind the port", async () => {
    const policies: PolicyDocument[] = [
      { id: "owner", effect: "allow", actions: ["doc:*"], condition: { eq: [{ ref: "resource.attributes.ownerId" }, { ref: "subject.id" }] } },
      { id: "no-purge", effect: "deny", actions: ["doc:purge"] },
    ];
    const engine = attributePolicies(policies);
    const request = (action: string, ownerId: string): PolicyRequest => ({
      subject: { type: "user", id: "u1" },
      action,
      resource: { type: "doc", attributes: { ownerId } },
      environment: { now: new Date(0) },
    });
    expect(await engine.evaluate(request("doc:read", "u1"))).toEqual([{ policyId: "owner", effect: "allow" }]);
    expect(await engine.evaluate(request("doc:read", "u2"))).toEqual([]);
    expect(await engine.evaluate(request("doc:purge", "u1"))).toEqual([
      { policyId: "no-purge", effect: "deny" },
      { policyId: "owner", effect: "allow" },
    ]);
    expect(await engine.evaluate(request("doc:*", "u1"))).toEqual([]);
    // Used as a custom evaluator, it decides like the built-in `policies` option.
    const viaPort = createAuthorizer({ audit: noAudit, evaluator: engine });
    const builtIn = createAuthorizer({ audit: noAudit, policies });
    for (const [action, ownerId] of [["doc:read", "u1"], ["doc:read", "u2"], ["doc:purge", "u1"]] as const) {
      const subject: AuthzSubject = { type: "user", id: "u1" };
      const resource = { type: "doc", attributes: { ownerId } };
      expect(await viaPort.authorize(subject, action, resource)).toEqual(await builtIn.authorize(subject, action, resource));
    }
  });
});
