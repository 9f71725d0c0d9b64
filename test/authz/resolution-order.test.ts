import { describe, expect, test } from "vitest";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import type { DecisionReason, PolicyDocument } from "../../src/authz/types.js";
import type { AuthzResource, AuthzSubject, Grant } from "../../src/ports/authorization.js";
import { recordingAudit } from "./helpers.js";

/**
 * The locked resolution order, as a truth table over every combination of
 *   explicit deny (none / grant / policy / both) x cross-tenant (no / yes)
 *   x scopes (none / include the action / exclude it) x allow (none / role / grant / policy / all three)
 * = 120 cases. Expected: explicit_deny > tenant_boundary > scope_limit > allowed > default_deny.
 */
type Deny = "none" | "grant" | "policy" | "both";
type Scope = "none" | "includes" | "excludes";
type Allow = "none" | "role" | "grant" | "policy" | "all";

const ACTION = "doc:write";

const POLICIES: PolicyDocument[] = [
  { id: "deny-locked", effect: "deny", actions: ["doc:*"], condition: { eq: [{ ref: "resource.attributes.locked" }, true] } },
  { id: "allow-owner", effect: "allow", actions: [ACTION], condition: { eq: [{ ref: "resource.attributes.ownerId" }, { ref: "subject.id" }] } },
];

function expected(deny: Deny, crossTenant: boolean, scope: Scope, allow: Allow): DecisionReason {
  if (deny !== "none") return "explicit_deny";
  if (crossTenant) return "tenant_boundary";
  if (scope === "excludes") return "scope_limit";
  if (allow !== "none") return "allowed";
  return "default_deny";
}

function subjectFor(deny: Deny, scope: Scope, allow: Allow): AuthzSubject {
  const grants: Grant[] = [];
  if (allow === "grant" || allow === "all") grants.push({ permission: ACTION, effect: "allow", id: "grant-write" });
  if (deny === "grant" || deny === "both") grants.push({ permission: "doc:*", effect: "deny", id: "deny-docs" });
  const subject: AuthzSubject = {
    type: scope === "none" ? "user" : "api_key",
    id: "u1",
    tenantId: "t1",
    roleIds: allow === "role" || allow === "all" ? ["editor"] : [],
    grants,
  };
  if (scope === "includes") subject.scopes = ["doc:read", "doc:write"];
  if (scope === "excludes") subject.scopes = ["doc:read"];
  return subject;
}

function resourceFor(deny: Deny, crossTenant: boolean, allow: Allow): AuthzResource {
  return {
    type: "doc",
    id: "d1",
    tenantId: crossTenant ? "t2" : "t1",
    attributes: { locked: deny === "policy" || deny === "both", ownerId: allow === "policy" || allow === "all" ? "u1" : "someone-else" },
  };
}

const CASES: [Deny, boolean, Scope, Allow][] = [];
for (const deny of ["none", "grant", "policy", "both"] as const)
  for (const crossTenant of [false, true])
    for (const scope of ["none", "includes", "excludes"] as const)
      for (const allow of ["none", "role", "grant", "policy", "all"] as const) CASES.push([deny, crossTenant, scope, allow]);

describe("resolution order: explicit deny > tenant boundary > scope limit > allow > default deny", () => {
  const { audit, records } = recordingAudit();
  const authz = createAuthorizer({ audit, roles: [{ id: "editor", permissions: [ACTION], tenantId: null }], policies: POLICIES });

  test("the table has every combination", () => {
    expect(CASES).toHaveLength(4 * 2 * 3 * 5);
  });

  test.each(CASES)("deny=%s crossTenant=%s scope=%s allow=%s", async (deny, crossTenant, scope, allow) => {
    const before = records.length;
    const decision = await authz.authorize(subjectFor(deny, scope, allow), ACTION, resourceFor(deny, crossTenant, allow));
    const reason = expected(deny, crossTenant, scope, allow);
    expect(decision.reason).toBe(reason);
    expect(decision.allowed).toBe(reason === "allowed");
    // Every denial is audited, allows are not (default).
    expect(decision.audited).toBe(reason !== "allowed");
    expect(records.length - before).toBe(reason === "allowed" ? 0 : 1);

    const ids = decision.matched.map((m) => `${m.kind}:${m.id}`).sort();
    if (reason === "explicit_deny") {
      const denies: string[] = [];
      if (deny === "grant" || deny === "both") denies.push("grant:deny-docs");
      // A deny grant decides alone: policies are not evaluated then.
      if (deny === "policy") denies.push("policy:deny-locked");
      expect(ids).toEqual(denies.sort());
      expect(decision.matched.every((m) => m.effect === "deny")).toBe(true);
    } else if (reason === "allowed") {
      const allows: string[] = [];
      if (allow === "role" || allow === "all") allows.push("role:editor");
      if (allow === "grant" || allow === "all") allows.push("grant:grant-write");
      if (allow === "policy" || allow === "all") allows.push("policy:allow-owner");
      if (scope === "includes") allows.push("scope:doc:write");
      expect(ids).toEqual(allows.sort());
    } else {
      expect(decision.matched).toEqual([]);
    }
  });

  test("a resource without a tenant has no boundary; a subject without a tenant reaches only those", async () => {
    const role = { roleIds: ["editor"] };
    const open = { type: "doc", id: "public" };
    const owned = { type: "doc", id: "d1", tenantId: "t1" };
    expect((await authz.authorize({ type: "user", id: "u", tenantId: "t1", ...role }, ACTION, open)).reason).toBe("allowed");
    expect((await authz.authorize({ type: "user", id: "u", tenantId: "t1", ...role }, ACTION, { ...open, tenantId: null })).reason).toBe("allowed");
    expect((await authz.authorize({ type: "user", id: "u", ...role }, ACTION, open)).reason).toBe("allowed");
    expect((await authz.authorize({ type: "user", id: "u", ...role }, ACTION, owned)).reason).toBe("tenant_boundary");
    expect((await authz.authorize({ type: "user", id: "u", tenantId: null, ...role }, ACTION, owned)).reason).toBe("tenant_boundary");
    expect((await authz.authorize({ type: "user", id: "u", tenantId: "t1", ...role }, ACTION)).reason).toBe("allowed");
  });
});
