import { describe, expect, test } from "vitest";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import { CONDITION_LIMITS } from "../../src/authz/condition-schema.js";
import type { Condition, PolicyDocument } from "../../src/authz/types.js";
import { ConfigurationError } from "../../src/core/errors.js";
import { noAudit } from "./helpers.js";

const withCondition = (condition: unknown): PolicyDocument => ({ id: "p", effect: "allow", actions: ["doc:read"], condition: condition as Condition });
const configure = (policies: unknown) => () => createAuthorizer({ audit: noAudit, policies: policies as PolicyDocument[] });
const rejects = (condition: unknown) => configure([withCondition(condition)]);

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigurationError");
}

describe("policy documents are validated at configuration time (valibot)", () => {
  test("a JSON policy document round-trips", async () => {
    const json = JSON.stringify([
      {
        id: "owner-edits",
        effect: "allow",
        actions: ["doc:write", "doc:delete"],
        condition: {
          all: [
            { eq: [{ ref: "resource.attributes.ownerId" }, { ref: "subject.id" }] },
            { in: ["otp", { ref: "environment.amr" }] },
            { ipInCidr: [{ ref: "environment.ip" }, ["10.0.0.0/8", "2001:db8::/32"]] },
            { timeBetween: [6, 22] },
            { lte: [{ ref: "environment.riskScore" }, 50] },
          ],
        },
        description: "owners edit from the office network with otp",
      },
    ]);
    const authz = createAuthorizer({ audit: noAudit, policies: JSON.parse(json) as PolicyDocument[] });
    const decision = await authz.authorize({ type: "user", id: "u1" }, "doc:write", { type: "doc", attributes: { ownerId: "u1" } }, {
      environment: { now: new Date("2026-03-02T10:00:00Z"), amr: ["pwd", "otp"], ip: "2001:db8::7", riskScore: 10 },
    });
    expect(decision.reason).toBe("allowed");
  });

  test.each([
    ["an unknown operator", { foo: 1 }, /exactly one operator key/],
    ["two operators in one node", { eq: [1, 1], ne: [1, 2] }, /exactly one operator key/],
    ["a node that is a list", [{ eq: [1, 1] }], /exactly one operator key/],
    ["a node that is a string", "true", /exactly one operator key/],
    ["an unknown root", { eq: [{ ref: "user.id" }, "x"] }, /ref/],
    ["a bare root", { eq: [{ ref: "subject" }, "x"] }, /ref/],
    ["a prototype path", { eq: [{ ref: "subject.__proto__.x" }, "x"] }, /ref/],
    ["a constructor path", { exists: { ref: "resource.attributes.constructor" } }, /ref/],
    ["a path of 9 names", { exists: { ref: "subject.a.b.c.d.e.f.g.h.i" } }, /ref/],
    ["a ref with extra keys", { eq: [{ ref: "subject.id", default: "x" }, "x"] }, /eq\.0/],
    ["three operands", { eq: [1, 2, 3] }, /eq/],
    ["an object literal", { eq: [{ a: 1 }, "x"] }, /eq\.0/],
    ["a nested list literal", { in: ["x", [["x"]]] }, /in/],
    ["Infinity", { lt: [{ ref: "subject.id" }, Number.POSITIVE_INFINITY] }, /lt/],
    ["in against a scalar", { in: ["x", "xyz"] }, /list or a \{ ref \}/],
    ["exists on a literal", { exists: "subject.id" }, /exists/],
    ["an empty all", { all: [] }, /all/],
    ["a bad CIDR prefix (v4)", { ipInCidr: [{ ref: "environment.ip" }, "10.0.0.0/33"] }, /CIDR/],
    ["a bad CIDR prefix (v6)", { ipInCidr: [{ ref: "environment.ip" }, "2001:db8::/129"] }, /CIDR/],
    ["a bad CIDR address", { ipInCidr: [{ ref: "environment.ip" }, ["10.0.0.256/8"]] }, /CIDR/],
    ["a mapped CIDR", { ipInCidr: [{ ref: "environment.ip" }, "::ffff:10.0.0.0/104"] }, /CIDR/],
    ["an empty CIDR list", { ipInCidr: [{ ref: "environment.ip" }, []] }, /ipInCidr/],
    ["an empty time window", { timeBetween: [9, 9] }, /two different UTC hours/],
    ["an hour past 24", { timeBetween: [9, 25] }, /timeBetween/],
    ["a negative hour", { timeBetween: [-1, 5] }, /timeBetween/],
    ["a long string literal", { eq: [{ ref: "subject.id" }, "x".repeat(CONDITION_LIMITS.maxStringLength + 1)] }, /eq/],
  ])("%s is refused with its path", (_, condition, pattern) => {
    const text = message(rejects(condition));
    expect(text).toMatch(/^policies\.0\.condition/);
    expect(text).toMatch(pattern);
  });

  test("depth is capped", () => {
    let deep: Condition = { eq: [1, 1] };
    for (let i = 0; i < CONDITION_LIMITS.maxDepth - 1; i++) deep = { not: deep };
    expect(() => createAuthorizer({ audit: noAudit, policies: [withCondition(deep)] })).not.toThrow();
    expect(message(rejects({ not: deep }))).toMatch(/nests 11 operators deep, the limit is 10/);
  });

  test("size is capped", () => {
    const group = (n: number): Condition => ({ all: Array.from({ length: n }, (_, i) => ({ eq: [{ ref: "subject.id" }, `u${i}`] })) });
    expect(() => createAuthorizer({ audit: noAudit, policies: [withCondition({ any: [group(40), group(40)] })] })).not.toThrow();
    expect(message(rejects({ any: [group(60), group(60)] }))).toMatch(/nodes, the limit is 256/);
    expect(message(rejects(group(CONDITION_LIMITS.maxChildren + 1)))).toMatch(/all/);
  });

  test("hostile shapes fail as configuration errors, not stack overflows", () => {
    let deep: unknown = { eq: [1, 1] };
    for (let i = 0; i < 5000; i++) deep = { not: deep };
    expect(message(rejects(deep))).toMatch(/nested deeper than/);
    const cyclic: Record<string, unknown> = {};
    cyclic.not = cyclic;
    expect(message(rejects(cyclic))).toMatch(/nested deeper than/);
    const wide = { any: Array.from({ length: 20_000 }, () => ({ eq: [1, 1] })) };
    expect(message(rejects(wide))).toMatch(/more than/);
  });

  test.each([
    ["a missing id", { effect: "allow", actions: ["doc:read"] }, /id/],
    ["an id with spaces", { id: "a b", effect: "allow", actions: ["doc:read"] }, /id/],
    ["an unknown effect", { id: "p", effect: "permit", actions: ["doc:read"] }, /effect/],
    ["no actions", { id: "p", effect: "allow", actions: [] }, /actions/],
    ["a partial glob", { id: "p", effect: "allow", actions: ["do*:read"] }, /actions\.0/],
    ["an unknown key", { id: "p", effect: "allow", actions: ["doc:read"], when: {} }, /when/],
  ])("a policy with %s is refused", (_, policy, pattern) => {
    expect(message(configure([policy]))).toMatch(pattern);
  });

  test("policy ids are unique", () => {
    const p = { id: "p", effect: "allow", actions: ["doc:read"] };
    expect(message(configure([p, p]))).toMatch(/used twice/);
  });

  test("policies must be a list", () => {
    expect(message(configure({ id: "p" }))).toMatch(/policies/);
  });
});
