import { describe, expect, test } from "vitest";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import { memoryAssignments } from "../../src/authz/memory-assignments.js";
import { subjectFrom } from "../../src/authz/subject.js";
import { ConfigurationError, StorageError } from "../../src/core/errors.js";
import type { AssignmentSource, AuthzSubject, Grant } from "../../src/ports/authorization.js";
import type { Principal } from "../../src/ports/principal.js";
import { noAudit, recordingAudit } from "./helpers.js";

const ROLES = [
  { id: "admin", permissions: ["*"], tenantId: null },
  { id: "editor", permissions: ["doc:*", "comment:write"], tenantId: null },
  { id: "viewer", permissions: ["*:read"], tenantId: null },
  { id: "acme-billing", permissions: ["invoice:*"], tenantId: "acme" },
];

const ada: Principal = { type: "user", id: "ada", email: "ada@example.com", emailVerified: true, name: "Ada" };

describe("tenant boundary", () => {
  test("a cross-tenant resource is denied even to a global * role", async () => {
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES });
    const subject = subjectFrom(ada, { tenantId: "acme", roleIds: ["admin"] });
    expect((await authz.authorize(subject, "doc:read", { type: "doc", id: "1", tenantId: "acme" })).reason).toBe("allowed");
    const other = await authz.authorize(subject, "doc:read", { type: "doc", id: "2", tenantId: "globex" });
    expect(other).toMatchObject({ allowed: false, reason: "tenant_boundary", matched: [] });
  });

  test("tenant ids compare exactly (no case folding, no prefix)", async () => {
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES });
    const subject: AuthzSubject = { type: "user", id: "u", tenantId: "acme", roleIds: ["admin"] };
    for (const tenantId of ["ACME", "acme ", "acme-2", "acm"]) {
      expect((await authz.authorize(subject, "doc:read", { type: "doc", tenantId })).reason).toBe("tenant_boundary");
    }
  });

  test("a role defined for one tenant only applies in that tenant", async () => {
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES });
    const inAcme: AuthzSubject = { type: "user", id: "u", tenantId: "acme", roleIds: ["acme-billing"] };
    const inGlobex: AuthzSubject = { ...inAcme, tenantId: "globex" };
    expect((await authz.authorize(inAcme, "invoice:refund")).reason).toBe("allowed");
    expect((await authz.authorize(inGlobex, "invoice:refund")).reason).toBe("default_deny");
    expect((await authz.authorize({ ...inAcme, tenantId: null }, "invoice:refund")).reason).toBe("default_deny");
  });

  test("roles attach per tenant through the assignment source", async () => {
    const assignments = memoryAssignments([
      { subjectId: "ada", tenantId: "acme", roleIds: ["editor"] },
      { subjectId: "ada", tenantId: "globex", roleIds: ["viewer"] },
    ]);
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES, assignments });
    const inAcme = subjectFrom(ada, { tenantId: "acme" });
    const inGlobex = subjectFrom(ada, { tenantId: "globex" });
    expect((await authz.authorize(inAcme, "doc:write", { type: "doc", tenantId: "acme" })).matched).toEqual([
      { kind: "role", id: "editor", permission: "doc:*", effect: "allow" },
    ]);
    expect((await authz.authorize(inGlobex, "doc:write", { type: "doc", tenantId: "globex" })).reason).toBe("default_deny");
    expect((await authz.authorize(inGlobex, "doc:read", { type: "doc", tenantId: "globex" })).reason).toBe("allowed");
    // Acting in globex with acme's editor role does not carry it over.
    expect((await authz.authorize(inGlobex, "doc:write", { type: "doc", tenantId: "acme" })).reason).toBe("tenant_boundary");
    // No tenant: assignments outside any tenant (none here).
    expect((await authz.authorize(subjectFrom(ada), "doc:read")).reason).toBe("default_deny");
  });

  test("roles on the subject and from the source are merged; unknown role ids grant nothing", async () => {
    const assignments = memoryAssignments([{ subjectId: "ada", tenantId: "acme", roleIds: ["viewer", "no-such-role"] }]);
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES, assignments });
    const subject = subjectFrom(ada, { tenantId: "acme", roleIds: ["editor", "ghost"] });
    const decision = await authz.authorize(subject, "doc:read");
    expect(decision.matched.map((m) => m.id).sort()).toEqual(["editor", "viewer"]);
    expect((await authz.authorize(subject, "user:delete")).reason).toBe("default_deny");
  });
});

describe("API-key scopes", () => {
  const authz = createAuthorizer({ audit: noAudit, roles: ROLES });
  const key = (scopes: unknown): AuthzSubject => ({ type: "api_key", id: "key_1", tenantId: "acme", roleIds: ["admin"], scopes: scopes as string[] });

  test("scopes are an upper bound over the roles", async () => {
    expect((await authz.authorize(key(["doc:read"]), "doc:read")).matched).toEqual([
      { kind: "role", id: "admin", permission: "*", effect: "allow" },
      { kind: "scope", id: "doc:read", permission: "doc:read", effect: "allow" },
    ]);
    expect((await authz.authorize(key(["doc:read"]), "doc:write")).reason).toBe("scope_limit");
    expect((await authz.authorize(key(["doc:*"]), "doc:write")).reason).toBe("allowed");
    expect((await authz.authorize(key(["*:read"]), "user:read")).reason).toBe("allowed");
    expect((await authz.authorize(key(["*:read"]), "user:write")).reason).toBe("scope_limit");
    expect((await authz.authorize(key(["*"]), "user:write")).reason).toBe("allowed");
  });

  test("a scope never grants by itself", async () => {
    const bare: AuthzSubject = { type: "api_key", id: "key_2", tenantId: "acme", scopes: ["doc:read"] };
    expect((await authz.authorize(bare, "doc:read")).reason).toBe("default_deny");
  });

  test("empty, malformed or invalid scopes cover nothing (fail closed)", async () => {
    expect((await authz.authorize(key([]), "doc:read")).reason).toBe("scope_limit");
    expect((await authz.authorize(key(null), "doc:read")).reason).toBe("scope_limit");
    expect((await authz.authorize(key("doc:read"), "doc:read")).reason).toBe("scope_limit");
    expect((await authz.authorize(key(["do*:read", 7, null]), "doc:read")).reason).toBe("scope_limit");
  });

  test("absent scopes are no bound (users, services)", async () => {
    const service: AuthzSubject = { type: "service", id: "svc_mailer", tenantId: "acme", roleIds: ["viewer"] };
    expect((await authz.authorize(service, "doc:read")).reason).toBe("allowed");
    expect((await authz.authorize(service, "doc:write")).reason).toBe("default_deny");
  });
});

describe("direct grants and explicit denies", () => {
  const authz = createAuthorizer({ audit: noAudit, roles: ROLES });
  const withGrants = (grants: unknown, roleIds: string[] = []): AuthzSubject => ({ type: "user", id: "u", tenantId: "acme", roleIds, grants: grants as Grant[] });

  test("an allow grant allows, a wildcard deny grant beats a * role", async () => {
    expect((await authz.authorize(withGrants([{ permission: "report:export", effect: "allow" }]), "report:export")).matched).toEqual([
      { kind: "grant", id: "report:export", permission: "report:export", effect: "allow" },
    ]);
    const denied = await authz.authorize(withGrants([{ permission: "doc:*", effect: "deny", id: "no-docs" }], ["admin"]), "doc:read");
    expect(denied).toMatchObject({ allowed: false, reason: "explicit_deny", matched: [{ kind: "grant", id: "no-docs", permission: "doc:*", effect: "deny" }] });
    expect((await authz.authorize(withGrants([{ permission: "doc:*", effect: "deny" }], ["admin"]), "user:read")).reason).toBe("allowed");
  });

  test("malformed grants never widen access", async () => {
    // Invalid allow pattern: matches nothing.
    expect((await authz.authorize(withGrants([{ permission: "do*:read", effect: "allow" }]), "doc:read")).reason).toBe("default_deny");
    // Invalid deny pattern: matches everything.
    expect((await authz.authorize(withGrants([{ permission: "do*:read", effect: "deny" }], ["admin"]), "user:read")).reason).toBe("explicit_deny");
    // An effect that is not exactly "allow" is a deny.
    expect((await authz.authorize(withGrants([{ permission: "doc:read", effect: "Allow" }], ["admin"]), "doc:read")).reason).toBe("explicit_deny");
    expect((await authz.authorize(withGrants([{ permission: "doc:read" }], ["admin"]), "doc:read")).reason).toBe("explicit_deny");
    // Grants that are not a list at all.
    expect((await authz.authorize(withGrants("doc:read", ["admin"]), "doc:read")).reason).toBe("explicit_deny");
    expect((await authz.authorize(withGrants([null], ["admin"]), "doc:read")).reason).toBe("explicit_deny");
  });

  test("grants from the assignment source are per tenant", async () => {
    const assignments = memoryAssignments([
      { subjectId: "u", tenantId: "acme", roleIds: ["admin"], grants: [{ permission: "invoice:refund", effect: "deny", id: "no-refunds" }] },
      { subjectId: "u", tenantId: "globex", roleIds: ["admin"] },
    ]);
    const sourced = createAuthorizer({ audit: noAudit, roles: ROLES, assignments });
    expect((await sourced.authorize({ type: "user", id: "u", tenantId: "acme" }, "invoice:refund")).reason).toBe("explicit_deny");
    expect((await sourced.authorize({ type: "user", id: "u", tenantId: "globex" }, "invoice:refund")).reason).toBe("allowed");
  });
});

describe("subjects", () => {
  test("a bare Principal is a subject (no tenant, no roles)", async () => {
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES, assignments: memoryAssignments([{ subjectId: "ada", tenantId: null, roleIds: ["viewer"] }]) });
    expect((await authz.authorize(ada, "doc:read")).reason).toBe("allowed");
    expect((await authz.authorize(ada, "doc:read", { type: "doc", tenantId: "acme" })).reason).toBe("tenant_boundary");
  });

  test("subjectFrom keeps the principal's fields for policies", () => {
    const subject = subjectFrom(ada, { tenantId: "acme", roleIds: ["editor"], attributes: { department: "r&d" } });
    expect(subject).toEqual({ ...ada, tenantId: "acme", roleIds: ["editor"], attributes: { department: "r&d" } });
  });

  test("a malformed subject is an invalid request, audited", async () => {
    const { audit, records } = recordingAudit();
    const authz = createAuthorizer({ audit, roles: ROLES });
    for (const subject of [null, {}, { type: "robot", id: "x" }, { type: "user", id: "" }, { type: "user", id: "x", tenantId: 5 }]) {
      const decision = await authz.authorize({ subject: subject as AuthzSubject, action: "doc:read" });
      expect(decision).toMatchObject({ allowed: false, reason: "invalid_request", audited: true });
    }
    expect(records.map((r) => r.reason)).toEqual(Array(5).fill("invalid_request"));
  });
});

describe("the assignment source", () => {
  test("a failing source fails closed: StorageError (503), a trace in the audit, never a decision", async () => {
    const { audit, records } = recordingAudit();
    const broken: AssignmentSource = {
      consistency: "atomic",
      assignmentsFor: async () => {
        throw new Error("connection reset");
      },
    };
    const authz = createAuthorizer({ audit, roles: ROLES, assignments: broken });
    const subject: AuthzSubject = { type: "user", id: "u", tenantId: "acme", roleIds: ["admin"] };
    const error = await authz.authorize(subject, "doc:read").then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).status).toBe(503);
    expect(records).toMatchObject([{ type: "authorize", outcome: "failure", reason: "storage_unavailable", userId: "u" }]);
  });

  test("a source answering garbage fails closed too", async () => {
    const odd = { consistency: "atomic", assignmentsFor: async () => null } as unknown as AssignmentSource;
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES, assignments: odd });
    await expect(authz.authorize({ type: "user", id: "u" }, "doc:read")).rejects.toBeInstanceOf(StorageError);
  });

  test("the memory source freezes what it returns and validates what it is given", async () => {
    const source = memoryAssignments();
    source.assign({ subjectId: "u", tenantId: "acme", roleIds: ["editor", "editor"], grants: [{ permission: "doc:*", effect: "deny" }] });
    const found = await source.assignmentsFor("u", "acme");
    expect(found).toEqual({ roleIds: ["editor"], grants: [{ permission: "doc:*", effect: "deny" }] });
    expect(Object.isFrozen(found.roleIds) && Object.isFrozen(found.grants) && Object.isFrozen(found.grants[0])).toBe(true);
    expect(await source.assignmentsFor("u", null)).toEqual({ roleIds: [], grants: [] });
    expect(await source.assignmentsFor("u", "")).toEqual({ roleIds: [], grants: [] });
    source.unassign("u", "acme");
    expect(await source.assignmentsFor("u", "acme")).toEqual({ roleIds: [], grants: [] });
    expect(() => source.assign({ subjectId: "u", tenantId: null, grants: [{ permission: "doc:read", effect: "maybe" as "allow" }] })).toThrow(ConfigurationError);
    expect(() => source.assign({ subjectId: "", tenantId: null })).toThrow(ConfigurationError);
  });

  test("re-assigning replaces the roles the next decision sees", async () => {
    const source = memoryAssignments([{ subjectId: "u", tenantId: "acme", roleIds: ["editor"] }]);
    const authz = createAuthorizer({ audit: noAudit, roles: ROLES, assignments: source });
    const subject: AuthzSubject = { type: "user", id: "u", tenantId: "acme" };
    expect((await authz.authorize(subject, "doc:write")).reason).toBe("allowed");
    source.assign({ subjectId: "u", tenantId: "acme", roleIds: ["viewer"] });
    expect((await authz.authorize(subject, "doc:write")).reason).toBe("default_deny");
  });
});

describe("role configuration", () => {
  test("roles are validated at configuration time", () => {
    const make = (roles: unknown) => () => createAuthorizer({ audit: noAudit, roles: roles as never });
    expect(make([{ id: "a", permissions: ["doc:read"] }])).toThrow(/tenantId/); // tenantId must be explicit
    expect(make([{ id: "a", permissions: ["doc:read"], tenantId: null }, { id: "a", permissions: [], tenantId: null }])).toThrow(/defined twice/);
    expect(make([{ id: "a b", permissions: [], tenantId: null }])).toThrow(ConfigurationError);
    expect(make([{ id: "a", permissions: ["doc:read"], tenantId: null, extra: 1 }])).toThrow(ConfigurationError);
    expect(make("admin")).toThrow(ConfigurationError);
  });

  test("createAuthorizer refuses to run without an audit callback", () => {
    expect(() => createAuthorizer({} as never)).toThrow(/audit/);
  });
});
