import { describe, expect, test } from "vitest";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import { memoryAssignments } from "../../src/authz/memory-assignments.js";
import type { Condition, PolicyDocument } from "../../src/authz/types.js";
import { fixedClock } from "../../src/core/context.js";
import type { AuthzEnvironment, AuthzResource, AuthzSubject } from "../../src/ports/authorization.js";
import { noAudit } from "./helpers.js";

const ref = (path: string) => ({ ref: path });
const USER: AuthzSubject = { type: "user", id: "u1", tenantId: "t1" };
const DOC: AuthzResource = { type: "doc", id: "d1", tenantId: "t1", attributes: { ownerId: "u1" } };

/** True when an allow policy with `condition` applies (nothing else allows). */
async function holds(
  condition: Condition,
  context: { subject?: AuthzSubject; resource?: AuthzResource | null; environment?: AuthzEnvironment; clock?: ReturnType<typeof fixedClock> } = {},
): Promise<boolean> {
  const authz = createAuthorizer({
    audit: noAudit,
    policies: [{ id: "p", effect: "allow", actions: ["doc:read"], condition }],
    ...(context.clock === undefined ? {} : { clock: context.clock }),
  });
  const decision = await authz.authorize({
    subject: context.subject ?? USER,
    action: "doc:read",
    resource: context.resource === undefined ? DOC : context.resource,
    ...(context.environment === undefined ? {} : { environment: context.environment }),
  });
  expect(["allowed", "default_deny"]).toContain(decision.reason);
  return decision.allowed;
}

describe("ABAC: ownership", () => {
  const owner: Condition = { eq: [ref("resource.attributes.ownerId"), ref("subject.id")] };
  test("the owner may, others may not, a resource without an owner is nobody's", async () => {
    expect(await holds(owner)).toBe(true);
    expect(await holds(owner, { subject: { ...USER, id: "u2" } })).toBe(false);
    expect(await holds(owner, { resource: { type: "doc", id: "d2", tenantId: "t1" } })).toBe(false);
    expect(await holds(owner, { resource: { type: "doc", attributes: { ownerId: null } } })).toBe(false);
    expect(await holds(owner, { resource: null })).toBe(false);
  });
});

describe("ABAC: time (frozen clock)", () => {
  const office: Condition = { timeBetween: [9, 17] };
  const night: Condition = { timeBetween: [22, 6] };
  const at = (iso: string) => ({ clock: fixedClock(iso) });

  test("office hours, UTC, from inclusive, to exclusive", async () => {
    expect(await holds(office, at("2026-03-02T08:59:59.999Z"))).toBe(false);
    expect(await holds(office, at("2026-03-02T09:00:00.000Z"))).toBe(true);
    expect(await holds(office, at("2026-03-02T16:59:59.999Z"))).toBe(true);
    expect(await holds(office, at("2026-03-02T17:00:00.000Z"))).toBe(false);
  });

  test("a window past midnight wraps", async () => {
    expect(await holds(night, at("2026-03-02T23:30:00Z"))).toBe(true);
    expect(await holds(night, at("2026-03-02T00:00:00Z"))).toBe(true);
    expect(await holds(night, at("2026-03-02T05:59:59Z"))).toBe(true);
    expect(await holds(night, at("2026-03-02T06:00:00Z"))).toBe(false);
    expect(await holds(night, at("2026-03-02T12:00:00Z"))).toBe(false);
    expect(await holds(night, at("2026-03-02T21:59:59Z"))).toBe(false);
  });

  test("fractional hours are minutes; environment.now overrides the clock", async () => {
    const halfPast: Condition = { timeBetween: [9.5, 10] };
    expect(await holds(halfPast, at("2026-03-02T09:29:00Z"))).toBe(false);
    expect(await holds(halfPast, at("2026-03-02T09:31:00Z"))).toBe(true);
    expect(await holds(office, { ...at("2026-03-02T03:00:00Z"), environment: { now: new Date("2026-03-02T10:00:00Z") } })).toBe(true);
  });

  test("environment.now compares as epoch ms with Dates in attributes", async () => {
    const notExpired: Condition = { lt: [ref("environment.now"), ref("resource.attributes.expiresAt")] };
    const resource: AuthzResource = { type: "doc", attributes: { expiresAt: new Date("2026-03-10T00:00:00Z") } };
    expect(await holds(notExpired, { ...at("2026-03-09T23:59:59Z"), resource })).toBe(true);
    expect(await holds(notExpired, { ...at("2026-03-10T00:00:00Z"), resource })).toBe(false);
    expect(await holds({ gte: [ref("environment.now"), Date.parse("2026-03-01T00:00:00Z")] }, at("2026-03-01T00:00:00Z"))).toBe(true);
  });

  test("an invalid Date never matches a time condition", async () => {
    expect(await holds(office, { environment: { now: new Date("nope") } })).toBe(false);
  });
});

describe("ABAC: IP ranges", () => {
  const v4: Condition = { ipInCidr: [ref("environment.ip"), ["10.0.0.0/8", "192.168.1.0/24"]] };
  const v6: Condition = { ipInCidr: [ref("environment.ip"), ["2001:db8::/32", "fe80::/10", "::1"]] };
  const from = (ip: unknown) => ({ environment: { ip } as AuthzEnvironment });

  test.each([
    ["10.0.0.0", true],
    ["10.255.255.255", true],
    ["10.1.2.3", true],
    ["11.0.0.1", false],
    ["9.255.255.255", false],
    ["192.168.1.0", true],
    ["192.168.1.255", true],
    ["192.168.2.0", false],
    ["192.168.0.255", false],
    ["::ffff:10.1.2.3", true], // IPv4-mapped (dual-stack sockets) is the IPv4 address
    ["::ffff:0a01:0203", true],
    ["010.1.2.3", false], // leading zero: refused, not read as octal
    ["10.1.2", false],
    ["10.1.2.3.4", false],
    ["10.1.2.256", false],
    ["10.1.2.3/8", false],
    [" 10.1.2.3", false],
    ["2001:db8::1", false], // an IPv6 address is not in an IPv4 range
  ])("IPv4: %s -> %s", async (ip, expected) => {
    expect(await holds(v4, from(ip))).toBe(expected);
  });

  test.each([
    ["2001:db8::1", true],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", true],
    ["2001:DB8:abcd:12::ff", true],
    ["2001:db9::1", false],
    ["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false],
    ["fe80::1", true],
    ["febf:ffff::1", true], // /10 boundary, inside
    ["fec0::1", false], // just outside
    ["::1", true],
    ["::2", false],
    ["::", false],
    ["fe80::1%eth0", false], // zone ids refused
    ["[::1]", false],
    ["1::2::3", false],
    ["2001:db8:1:2:3:4:5:6:7", false],
    ["2001:db8::g", false],
    ["10.1.2.3", false], // an IPv4 address is not in an IPv6 range
    ["::ffff:10.1.2.3", false], // nor is a mapped one
  ])("IPv6: %s -> %s", async (ip, expected) => {
    expect(await holds(v6, from(ip))).toBe(expected);
  });

  test("missing or non-string addresses never match", async () => {
    expect(await holds(v4)).toBe(false);
    expect(await holds(v4, from(null))).toBe(false);
    expect(await holds(v4, from(167837955))).toBe(false);
    expect(await holds({ ipInCidr: [ref("environment.ip"), "0.0.0.0/0"] }, from("203.0.113.9"))).toBe(true);
    expect(await holds({ ipInCidr: [ref("environment.ip"), "::/0"] }, from("203.0.113.9"))).toBe(false);
  });

  test("a literal operand or an attribute can be the address", async () => {
    expect(await holds({ ipInCidr: [ref("resource.attributes.origin"), "10.0.0.0/8"] }, { resource: { type: "doc", attributes: { origin: "10.9.9.9" } } })).toBe(true);
    expect(await holds({ ipInCidr: ["10.9.9.9", "10.0.0.0/8"] })).toBe(true);
  });
});

describe("ABAC: authentication strength and risk", () => {
  const otp: Condition = { in: ["otp", ref("environment.amr")] };

  test("a policy can require otp among the session's authentication methods", async () => {
    expect(await holds(otp, { environment: { amr: ["pwd", "otp"] } })).toBe(true);
    expect(await holds(otp, { environment: { amr: ["pwd"] } })).toBe(false);
    expect(await holds(otp, { environment: { amr: [] } })).toBe(false);
    expect(await holds(otp)).toBe(false);
    expect(await holds(otp, { environment: { amr: "otp" as unknown as string[] } })).toBe(false);
  });

  test("step-up as a deny policy: deleting needs otp, whatever the roles say", async () => {
    const authz = createAuthorizer({
      audit: noAudit,
      roles: [{ id: "editor", permissions: ["doc:*"], tenantId: null }],
      policies: [{ id: "delete-needs-otp", effect: "deny", actions: ["doc:delete"], condition: { not: otp } }],
    });
    const subject: AuthzSubject = { ...USER, roleIds: ["editor"] };
    expect((await authz.authorize(subject, "doc:delete", DOC, { environment: { amr: ["pwd"] } })).reason).toBe("explicit_deny");
    expect((await authz.authorize(subject, "doc:delete", DOC)).reason).toBe("explicit_deny"); // no amr: not(false) applies
    expect((await authz.authorize(subject, "doc:delete", DOC, { environment: { amr: ["pwd", "otp"] } })).reason).toBe("allowed");
    expect((await authz.authorize(subject, "doc:read", DOC, { environment: { amr: ["pwd"] } })).reason).toBe("allowed");
  });

  test("riskScore threshold: a deny policy above 70; a missing score does not trigger it unless guarded", async () => {
    const roles = [{ id: "viewer", permissions: ["doc:read"], tenantId: null }];
    const plain: PolicyDocument = { id: "risky", effect: "deny", actions: ["*"], condition: { gt: [ref("environment.riskScore"), 70] } };
    const guarded: PolicyDocument = {
      id: "risky-or-unknown",
      effect: "deny",
      actions: ["*"],
      condition: { any: [{ not: { exists: ref("environment.riskScore") } }, { gt: [ref("environment.riskScore"), 70] }] },
    };
    const subject: AuthzSubject = { ...USER, roleIds: ["viewer"] };
    const a = createAuthorizer({ audit: noAudit, roles, policies: [plain] });
    const b = createAuthorizer({ audit: noAudit, roles, policies: [guarded] });
    expect((await a.authorize(subject, "doc:read", DOC, { environment: { riskScore: 80 } })).reason).toBe("explicit_deny");
    expect((await a.authorize(subject, "doc:read", DOC, { environment: { riskScore: 70 } })).reason).toBe("allowed");
    expect((await a.authorize(subject, "doc:read", DOC)).reason).toBe("allowed"); // documented: missing -> comparison false
    expect((await b.authorize(subject, "doc:read", DOC)).reason).toBe("explicit_deny");
    expect((await b.authorize(subject, "doc:read", DOC, { environment: { riskScore: 12 } })).reason).toBe("allowed");
  });
});

describe("ABAC: missing attributes and strict comparisons", () => {
  const missing = ref("resource.attributes.nope");

  test("every comparison with a missing reference is false", async () => {
    for (const op of ["eq", "ne", "lt", "lte", "gt", "gte"] as const) {
      expect(await holds({ [op]: [missing, "x"] } as unknown as Condition)).toBe(false);
      expect(await holds({ [op]: ["x", missing] } as unknown as Condition)).toBe(false);
      expect(await holds({ [op]: [missing, missing] } as unknown as Condition)).toBe(false);
    }
    expect(await holds({ in: [missing, ["x", null]] })).toBe(false);
    expect(await holds({ in: ["x", missing] })).toBe(false);
    expect(await holds({ exists: missing })).toBe(false);
    expect(await holds({ ipInCidr: [missing, "0.0.0.0/0"] })).toBe(false);
  });

  test("negation is plain: not(eq(missing, x)) is true, so guard it with exists", async () => {
    expect(await holds({ not: { eq: [missing, "x"] } })).toBe(true);
    expect(await holds({ all: [{ exists: missing }, { not: { eq: [missing, "x"] } }] })).toBe(false);
  });

  test("paths through non-objects, prototypes and arrays", async () => {
    const resource: AuthzResource = { type: "doc", attributes: { ownerId: "u1", tags: ["a", "b"], nested: { level: { deep: 3 } } } };
    expect(await holds({ exists: ref("resource.attributes.ownerId.length") }, { resource })).toBe(false); // no walking into strings
    expect(await holds({ exists: ref("resource.attributes.toString") }, { resource })).toBe(false); // own properties only
    expect(await holds({ exists: ref("resource.attributes.hasOwnProperty") }, { resource })).toBe(false);
    expect(await holds({ eq: [ref("resource.attributes.tags.1"), "b"] }, { resource })).toBe(true);
    expect(await holds({ eq: [ref("resource.attributes.nested.level.deep"), 3] }, { resource })).toBe(true);
    expect(await holds({ eq: [ref("resource.attributes.nested.level"), ref("resource.attributes.nested.level")] }, { resource })).toBe(false); // objects never equal
    const polluted = JSON.parse('{"type":"doc","attributes":{"__proto__":{"ownerId":"u1"}}}') as AuthzResource;
    expect(await holds({ eq: [ref("resource.attributes.ownerId"), "u1"] }, { resource: polluted })).toBe(false);
  });

  test("exists: present and not null", async () => {
    const resource: AuthzResource = { type: "doc", attributes: { a: null, b: 0, c: "", d: false } };
    expect(await holds({ exists: ref("resource.attributes.a") }, { resource })).toBe(false);
    for (const key of ["b", "c", "d"]) expect(await holds({ exists: ref(`resource.attributes.${key}`) }, { resource })).toBe(true);
  });

  test("no coercion between types", async () => {
    const resource: AuthzResource = { type: "doc", attributes: { n: 1, s: "1", big: "10", small: "9" } };
    expect(await holds({ eq: [ref("resource.attributes.n"), "1"] }, { resource })).toBe(false);
    expect(await holds({ eq: [ref("resource.attributes.s"), "1"] }, { resource })).toBe(true);
    expect(await holds({ ne: [ref("resource.attributes.n"), "1"] }, { resource })).toBe(true);
    expect(await holds({ lt: [ref("resource.attributes.n"), "2"] }, { resource })).toBe(false);
    expect(await holds({ lt: [ref("resource.attributes.big"), ref("resource.attributes.small")] }, { resource })).toBe(true); // string order
    expect(await holds({ eq: [ref("resource.attributes.n"), true] }, { resource })).toBe(false);
    expect(await holds({ in: [ref("resource.attributes.n"), ["1", 2]] }, { resource })).toBe(false);
    expect(await holds({ in: [ref("resource.attributes.n"), ["1", 1]] }, { resource })).toBe(true);
    expect(await holds({ eq: [null, ref("resource.attributes.nope")] }, { resource })).toBe(false); // null is not missing
    expect(await holds({ gt: [ref("resource.attributes.nan"), 0] }, { resource: { type: "doc", attributes: { nan: Number.NaN } } })).toBe(false);
  });

  test("all / any / not / action / subject roles from the source", async () => {
    expect(await holds({ all: [{ eq: [ref("action"), "doc:read"] }, { eq: [ref("subject.type"), "user"] }] })).toBe(true);
    expect(await holds({ any: [{ eq: [ref("action"), "doc:write"] }, { eq: [ref("subject.tenantId"), "t2"] }] })).toBe(false);
    expect(await holds({ not: { eq: [ref("resource.type"), "doc"] } })).toBe(false);
    expect(await holds({ in: [ref("subject.attributes.department"), ["r&d", "ops"]] }, { subject: { ...USER, attributes: { department: "ops" } } })).toBe(true);
    const authz = createAuthorizer({
      audit: noAudit,
      assignments: memoryAssignments([{ subjectId: "u1", tenantId: "t1", roleIds: ["auditor"] }]),
      policies: [{ id: "auditors-read", effect: "allow", actions: ["*:read"], condition: { in: ["auditor", ref("subject.roleIds")] } }],
    });
    expect((await authz.authorize(USER, "ledger:read")).reason).toBe("allowed");
    expect((await authz.authorize({ ...USER, tenantId: "t2" }, "ledger:read")).reason).toBe("default_deny");
  });

  test("a throwing getter in caller data fails closed (evaluator_error), never throws", async () => {
    const authz = createAuthorizer({ audit: noAudit, policies: [{ id: "p", effect: "allow", actions: ["doc:read"], condition: { eq: [ref("resource.attributes.x"), 1] } }] });
    const resource = {
      type: "doc",
      attributes: Object.defineProperty({}, "x", {
        enumerable: true,
        get() {
          throw new Error("boom");
        },
      }),
    };
    expect(await authz.authorize(USER, "doc:read", resource)).toMatchObject({ allowed: false, reason: "evaluator_error" });
  });
});

describe("policies without conditions and policy action patterns", () => {
  test("a policy without condition applies whenever its action pattern matches", async () => {
    const authz = createAuthorizer({
      audit: noAudit,
      policies: [
        { id: "read-all", effect: "allow", actions: ["*:read"] },
        { id: "both", effect: "allow", actions: ["doc:read", "doc:*"] },
      ],
    });
    const decision = await authz.authorize(USER, "doc:read");
    expect(decision.matched).toEqual([
      { kind: "policy", id: "both", effect: "allow" },
      { kind: "policy", id: "read-all", effect: "allow" },
    ]);
    expect((await authz.authorize(USER, "doc:write")).matched).toEqual([{ kind: "policy", id: "both", effect: "allow" }]);
    expect((await authz.authorize(USER, "user:write")).reason).toBe("default_deny");
  });
});
