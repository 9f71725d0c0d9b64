import { describe, expect, test } from "vitest";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import { memoryAssignments } from "../../src/authz/memory-assignments.js";
import { isValidPattern, parseAction, permissionMatches, requirePattern } from "../../src/authz/permission.js";
import { ConfigurationError } from "../../src/core/errors.js";
import { noAudit } from "./helpers.js";

// [pattern, permission]
const MATCHES: [string, string][] = [
  ["*", "doc:read"],
  ["*", "billing.invoice:refund"],
  ["*:*", "doc:read"],
  ["doc:*", "doc:read"],
  ["doc:*", "doc:write"],
  ["*:read", "doc:read"],
  ["*:read", "user:read"],
  ["doc:read", "doc:read"],
  ["doc-2:re_ad", "doc-2:re_ad"],
  ["billing.invoice:*", "billing.invoice:refund"],
  ["A:B", "A:B"],
];

const MISSES: [string, string][] = [
  ["doc:*", "docs:read"], // a segment wildcard is the whole segment, not a prefix
  ["doc:*", "do:read"],
  ["doc:*", "user:read"],
  ["*:read", "doc:reads"],
  ["*:read", "doc:write"],
  ["*:read", "read:doc"], // position matters
  ["doc:read", "Doc:read"], // case-sensitive
  ["doc:read", "doc:READ"],
  ["doc:read", "doc:readx"],
  ["doc:read", "doc:rea"],
  ["billing:*", "billing.invoice:refund"], // "." is part of the segment, not a separator
  ["doc:write", "doc:read"],
];

const INVALID_PATTERNS: unknown[] = [
  "do*:read",
  "doc:re*",
  "*doc:read",
  "doc:*read",
  "**",
  "**:read",
  "doc:**",
  "doc",
  "doc:",
  ":read",
  ":",
  "",
  "doc:read:extra",
  "*:*:*",
  "doc :read",
  "doc: read",
  "doc/x:read",
  "dóc:read",
  "doc:read\n",
  `${"a".repeat(65)}:read`,
  null,
  42,
  ["doc:read"],
];

describe("permission patterns", () => {
  test.each(MATCHES)("%s matches %s", (pattern, permission) => {
    expect(permissionMatches(pattern, permission)).toBe(true);
  });

  test.each(MISSES)("%s does not match %s", (pattern, permission) => {
    expect(permissionMatches(pattern, permission)).toBe(false);
  });

  test.each(INVALID_PATTERNS.map((p) => [p]))("%j is an invalid pattern, rejected at configuration time", (pattern) => {
    expect(isValidPattern(pattern)).toBe(false);
    expect(() => requirePattern(pattern, "test")).toThrow(ConfigurationError);
    expect(() => createAuthorizer({ audit: noAudit, roles: [{ id: "r", permissions: [pattern as string], tenantId: null }] })).toThrow(ConfigurationError);
    expect(() =>
      createAuthorizer({ audit: noAudit, policies: [{ id: "p", effect: "allow", actions: [pattern as string] }] }),
    ).toThrow(ConfigurationError);
    expect(() => memoryAssignments([{ subjectId: "u", tenantId: null, grants: [{ permission: pattern as string, effect: "allow" }] }])).toThrow(
      ConfigurationError,
    );
  });

  test("segments may be 64 characters, not 65", () => {
    expect(isValidPattern(`${"a".repeat(64)}:${"b".repeat(64)}`)).toBe(true);
    expect(isValidPattern(`${"a".repeat(64)}:${"b".repeat(65)}`)).toBe(false);
  });

  test("an action must be concrete: wildcards are patterns, not actions", () => {
    expect(parseAction("doc:read")).toEqual({ permission: "doc:read", resource: "doc", action: "read" });
    for (const action of ["*", "doc:*", "*:read", "*:*", "do*:read", "doc", ""]) expect(parseAction(action)).toBeNull();
  });

  test("wildcards through roles: * vs doc:* vs *:read", async () => {
    const authz = createAuthorizer({
      audit: noAudit,
      roles: [
        { id: "root", permissions: ["*"], tenantId: null },
        { id: "doc-all", permissions: ["doc:*"], tenantId: null },
        { id: "readers", permissions: ["*:read"], tenantId: null },
      ],
    });
    const PATTERN_OF: Record<string, string> = { root: "*", "doc-all": "doc:*", readers: "*:read" };
    const as = (roleIds: string[]) => ({ type: "user" as const, id: "u", roleIds });
    const table: [string, string, boolean][] = [
      ["root", "doc:read", true],
      ["root", "user:delete", true],
      ["doc-all", "doc:read", true],
      ["doc-all", "doc:delete", true],
      ["doc-all", "user:read", false],
      ["doc-all", "docs:read", false],
      ["readers", "doc:read", true],
      ["readers", "user:read", true],
      ["readers", "doc:write", false],
      ["readers", "doc:reader", false],
    ];
    for (const [role, action, allowed] of table) {
      const decision = await authz.authorize(as([role]), action);
      expect({ role, action, allowed: decision.allowed }).toEqual({ role, action, allowed });
      if (allowed) expect(decision.matched).toEqual([{ kind: "role", id: role, permission: PATTERN_OF[role], effect: "allow" }]);
    }
  });

  test("a wildcard action asked of the authorizer is an invalid request, even for a * role", async () => {
    const authz = createAuthorizer({ audit: noAudit, roles: [{ id: "root", permissions: ["*"], tenantId: null }] });
    for (const action of ["*", "doc:*", "*:read", "Doc read", ""]) {
      const decision = await authz.authorize({ type: "user", id: "u", roleIds: ["root"] }, action);
      expect(decision).toMatchObject({ allowed: false, reason: "invalid_request" });
    }
  });
});
