/**
 * The authorizer over a stored AccessStore: roles and grants held per (principal, tenant),
 * the session's tenant as the subject's default, and API keys borrowing their owner's
 * assignments within their own scopes.
 */
import { describe, expect, test } from "vitest";
import { memoryAccessStore } from "../../src/adapters/memory/index.js";
import { createAuthorizer, subjectFrom } from "../../src/authz/index.js";
import type { ApiKeyPrincipal, UserPrincipal } from "../../src/ports/principal.js";
import { noAudit } from "./helpers.js";

const ROLES = [
  { id: "editor", permissions: ["doc:read", "doc:write"], tenantId: null },
  { id: "billing", permissions: ["invoice:*"], tenantId: "acme" },
];

const ada: UserPrincipal = { type: "user", id: "ada", email: "ada@example.com", emailVerified: true, name: "Ada", tenantId: "acme" };

function keyOf(owner: string, scopes: string[], tenantId: string | null = "acme"): ApiKeyPrincipal {
  return { type: "api_key", id: "key-1", ownerId: owner, tenantId, name: "ci", scopes };
}

async function setup() {
  const access = memoryAccessStore();
  await access.addMember({ principalId: "ada", tenantId: "acme", createdAt: new Date(0) });
  await access.updateAssignments("ada", "acme", { addRoles: ["editor", "billing"], setGrants: [{ id: "no-refunds", permission: "invoice:refund", effect: "deny" }] });
  const authorizer = createAuthorizer({ roles: ROLES, assignments: access, audit: noAudit });
  return { access, authorizer };
}

describe("stored assignments", () => {
  test("a user acts in its session's tenant by default and gets that tenant's roles", async () => {
    const { authorizer } = await setup();
    const subject = subjectFrom(ada);
    expect(subject.tenantId).toBe("acme");
    expect((await authorizer.authorize(subject, "doc:write")).allowed).toBe(true);
    expect((await authorizer.authorize(subject, "invoice:send")).allowed).toBe(true);
    expect(await authorizer.authorize(subject, "invoice:refund")).toMatchObject({ allowed: false, reason: "explicit_deny" });
  });

  test("the same user in another tenant (or none) holds nothing there", async () => {
    const { authorizer } = await setup();
    expect(await authorizer.authorize(subjectFrom({ ...ada, tenantId: "globex" }), "doc:read")).toMatchObject({ allowed: false, reason: "default_deny" });
    expect(await authorizer.authorize(subjectFrom({ ...ada, tenantId: null }), "doc:read")).toMatchObject({ allowed: false, reason: "default_deny" });
  });

  test("a revoked role stops allowing at the next decision", async () => {
    const { access, authorizer } = await setup();
    await access.updateAssignments("ada", "acme", { removeRoles: ["editor"] });
    expect((await authorizer.authorize(subjectFrom(ada), "doc:write")).allowed).toBe(false);
  });

  test("removing the membership removes what was held in that tenant", async () => {
    const { access, authorizer } = await setup();
    await access.removeMember("ada", "acme");
    expect((await authorizer.authorize(subjectFrom(ada), "doc:read")).allowed).toBe(false);
  });

  test("an API key borrows its owner's roles, bounded by its scopes", async () => {
    const { authorizer } = await setup();
    const key = subjectFrom(keyOf("ada", ["doc:*"]));
    expect((await authorizer.authorize(key, "doc:write")).allowed).toBe(true);
    // The owner may send invoices; the key's scopes do not cover it.
    expect(await authorizer.authorize(key, "invoice:send")).toMatchObject({ allowed: false, reason: "scope_limit" });
  });

  test("a wide scope never adds what the owner lacks, and the owner's denies still apply", async () => {
    const { authorizer } = await setup();
    const key = subjectFrom(keyOf("ada", ["*"]));
    expect(await authorizer.authorize(key, "admin:delete")).toMatchObject({ allowed: false, reason: "default_deny" });
    expect(await authorizer.authorize(key, "invoice:refund")).toMatchObject({ allowed: false, reason: "explicit_deny" });
  });

  test("the key's own id holds nothing: assignments stored under a key id are not consulted", async () => {
    const { access, authorizer } = await setup();
    await access.updateAssignments("key-1", "acme", { addRoles: ["editor"] });
    const key = subjectFrom(keyOf("nobody", ["*"]));
    expect((await authorizer.authorize(key, "doc:read")).allowed).toBe(false);
  });

  test("a key acts in its own tenant: the owner's roles in another tenant do not follow it", async () => {
    const { authorizer } = await setup();
    const key = subjectFrom(keyOf("ada", ["*"], "globex"));
    expect((await authorizer.authorize(key, "doc:read")).allowed).toBe(false);
  });
});
