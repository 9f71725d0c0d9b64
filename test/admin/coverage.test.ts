import { describe, expect, test } from "vitest";
import { memoryAccessStore } from "../../src/adapters/memory/index.js";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import { coversPattern, intersectPatterns, patternCovers, patternsOverlap, staticPermissions, uncoveredPatterns } from "../../src/authz/coverage.js";
import { subjectFrom } from "../../src/authz/subject.js";
import { StorageError } from "../../src/core/errors.js";
import { faulty } from "../../src/adapters/faulty.js";
import type { ApiKeyPrincipal, UserPrincipal } from "../../src/ports/principal.js";

describe("pattern coverage", () => {
  test.each([
    ["*", "*", true],
    ["*", "doc:read", true],
    ["*:*", "doc:*", true],
    ["doc:*", "doc:read", true],
    ["doc:*", "doc:*", true],
    ["doc:*", "*:read", false],
    ["doc:*", "*", false],
    ["*:read", "doc:read", true],
    ["*:read", "doc:*", false],
    ["doc:read", "doc:read", true],
    ["doc:read", "doc:*", false],
    ["doc:read", "Doc:read", false],
    ["do*:read", "doc:read", false],
    ["doc:read", "do*:read", false],
  ])("%s covers %s: %s", (held, wanted, expected) => {
    expect(patternCovers(held, wanted)).toBe(expected);
  });

  test.each([
    ["doc:*", "*:read", true],
    ["doc:read", "doc:write", false],
    ["doc:read", "invoice:*", false],
    ["*", "x:y", true],
    ["broken", "x:y", true],
  ])("%s overlaps %s: %s", (a, b, expected) => {
    expect(patternsOverlap(a, b)).toBe(expected);
    expect(patternsOverlap(b, a)).toBe(expected);
  });

  test.each([
    ["doc:*", "*:read", "doc:read"],
    ["*", "doc:*", "doc:*"],
    ["*:*", "*", "*"],
    ["doc:read", "doc:*", "doc:read"],
    ["doc:read", "doc:write", null],
    ["doc:*", "invoice:*", null],
    ["bad", "*", null],
  ])("%s ∩ %s = %s", (a, b, expected) => {
    expect(intersectPatterns(a, b)).toBe(expected);
  });

  test("a deny that overlaps blocks coverage; an invalid wanted pattern is never covered", () => {
    const held = { allow: ["*"], deny: ["invoice:refund"] };
    expect(coversPattern(held, "doc:read")).toBe(true);
    expect(coversPattern(held, "invoice:*")).toBe(false);
    expect(coversPattern(held, "*:refund")).toBe(false);
    expect(coversPattern(held, "not a pattern")).toBe(false);
    expect(uncoveredPatterns(held, ["doc:read", "invoice:*", "invoice:*"])).toEqual(["invoice:*"]);
  });

  test("staticPermissions: malformed grants never widen; scopes narrow allows", () => {
    const role = { id: "r", permissions: ["doc:*", "invoice:read"], tenantId: null };
    const grants = [
      { permission: "bad pattern", effect: "allow" as const },
      { permission: "also bad", effect: "deny" as const },
      { permission: "x:y", effect: "typo" as unknown as "deny" },
    ];
    expect(staticPermissions([role], grants, undefined)).toEqual({ allow: ["doc:*", "invoice:read"], deny: ["*", "x:y"] });
    expect(staticPermissions([role], [], ["*:read"]).allow).toEqual(["doc:read", "invoice:read"]);
    expect(staticPermissions([role], [], []).allow).toEqual([]);
    expect(staticPermissions([role], [], ["bad"]).allow).toEqual([]);
  });
});

describe("Authorizer.effectivePermissions and role()", () => {
  const ROLES = [
    { id: "editor", permissions: ["doc:read", "doc:write"], tenantId: null },
    { id: "acme-billing", permissions: ["invoice:*"], tenantId: "acme" },
  ];
  const ada: UserPrincipal = { type: "user", id: "ada", email: "ada@example.com", emailVerified: true, name: null, tenantId: "acme" };
  const noAudit = async (): Promise<void> => undefined;

  async function setup() {
    const access = memoryAccessStore();
    await access.updateAssignments("ada", "acme", { addRoles: ["editor", "acme-billing", "gone"], setGrants: [{ id: "n", permission: "invoice:refund", effect: "deny" }, { id: "a", permission: "report:read", effect: "allow" }] });
    await access.updateAssignments("ada", "globex", { addRoles: ["acme-billing"] });
    return { access, authorizer: createAuthorizer({ roles: ROLES, assignments: access, audit: noAudit }) };
  }

  test("roles of the subject's tenant plus allow grants; deny grants apart; policies never", async () => {
    const { authorizer } = await setup();
    const held = await authorizer.effectivePermissions(subjectFrom(ada));
    expect(held.allow.sort()).toEqual(["doc:read", "doc:write", "invoice:*", "report:read"]);
    expect(held.deny).toEqual(["invoice:refund"]);
    // In globex the acme-only role confers nothing.
    expect(await authorizer.effectivePermissions(subjectFrom({ ...ada, tenantId: "globex" }))).toEqual({ allow: [], deny: [] });
  });

  test("an API key: the owner's, narrowed by the key's scopes", async () => {
    const { authorizer } = await setup();
    const key: ApiKeyPrincipal = { type: "api_key", id: "k1", ownerId: "ada", tenantId: "acme", name: "ci", scopes: ["doc:read", "*:send"] };
    const held = await authorizer.effectivePermissions(subjectFrom(key));
    expect(held.allow.sort()).toEqual(["doc:read", "invoice:send"]);
    expect(held.deny).toEqual(["invoice:refund"]);
  });

  test("a failing source is a StorageError; a malformed subject holds nothing", async () => {
    const { access } = await setup();
    const authorizer = createAuthorizer({ roles: ROLES, assignments: faulty(access, { mode: "throw" }), audit: noAudit });
    await expect(authorizer.effectivePermissions(subjectFrom(ada))).rejects.toBeInstanceOf(StorageError);
    expect(await authorizer.effectivePermissions({ type: "robot", id: "x" } as never)).toEqual({ allow: [], deny: [] });
  });

  test("role(id): a frozen copy of the definition, or null", async () => {
    const roles = [{ id: "editor", permissions: ["doc:read"], tenantId: null }];
    const authorizer = createAuthorizer({ roles, audit: noAudit });
    roles[0]!.permissions.push("*");
    const role = authorizer.role("editor")!;
    expect(role).toEqual({ id: "editor", permissions: ["doc:read"], tenantId: null });
    expect(Object.isFrozen(role) && Object.isFrozen(role.permissions)).toBe(true);
    expect(authorizer.role("nope")).toBeNull();
    expect(authorizer.role(7 as unknown as string)).toBeNull();
  });
});
