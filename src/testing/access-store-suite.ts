/**
 * The AccessStore contract: memberships, role attachments and named grants per (principal,
 * tenant), the null tenant ("outside any tenant") included. Time is fixed dates, never the
 * wall clock. SQL backends tie memberships and assignments to a user row: pass
 * `createPrincipal` so the suite can create each principal first.
 */
import { beforeEach, describe, expect, test } from "vitest";
import type { AccessStore, Membership, StoredGrant } from "../ports/access-store.js";
import type { Assignments } from "../ports/authorization.js";

export interface AccessStoreSuiteOptions {
  /**
   * Makes `id` a principal the store accepts (a user row in SQL backends). Called within a
   * test, after `make`, once per principal id; omit it when any id is accepted.
   */
  createPrincipal?: (id: string) => Promise<void>;
}

// Millisecond precision on purpose: a store that rounds to seconds fails.
const T0 = new Date("2026-03-04T05:06:07.089Z");
const at = (offsetMs: number): Date => new Date(T0.getTime() + offsetMs);

const member = (principalId: string, tenantId: string, offsetMs = 0): Membership => ({ principalId, tenantId, createdAt: at(offsetMs) });
const allow = (id: string, permission = id): StoredGrant => ({ id, permission, effect: "allow" });
const deny = (id: string, permission = id): StoredGrant => ({ id, permission, effect: "deny" });
const NONE: Assignments = { roleIds: [], grants: [] };

/** Ids that break naive SQL (quotes, LIKE wildcards, backslashes) or byte-length assumptions (non-ASCII). */
const ODD = ["o'brien", 'say "hi"', "50%", "a_b", "back\\slash", "Ünïcødé", "租户", "emoji-🔑", "semi;colon --"];

/** `make` must return a store with empty state for every test. */
export function describeAccessStore(name: string, make: () => Promise<AccessStore>, options: AccessStoreSuiteOptions = {}): void {
  describe(`access store conformance: ${name}`, () => {
    let access: AccessStore;
    const principals = async (...ids: string[]): Promise<void> => {
      for (const id of ids) await options.createPrincipal?.(id);
    };

    beforeEach(async () => {
      access = await make();
    });

    test("declares its consistency; empty at start", async () => {
      expect(["atomic", "eventual"]).toContain(access.consistency);
      expect(await access.membershipsOf("p1")).toEqual([]);
      expect(await access.membersOf("t1")).toEqual([]);
      expect(await access.assignmentsFor("p1", "t1")).toEqual(NONE);
      expect(await access.assignmentsFor("p1", null)).toEqual(NONE);
    });

    describe("memberships", () => {
      test("membershipsOf: oldest first, ties by tenant id; createdAt round-trips", async () => {
        await principals("p1", "p2");
        await access.addMember(member("p1", "t-b", 10));
        await access.addMember(member("p1", "t-c", 0));
        await access.addMember(member("p1", "t-a", 10));
        await access.addMember(member("p2", "t-z", 0));
        const listed = await access.membershipsOf("p1");
        expect(listed).toEqual([member("p1", "t-c", 0), member("p1", "t-a", 10), member("p1", "t-b", 10)]);
        expect(listed[0]?.createdAt).toBeInstanceOf(Date);
        expect(await access.membershipsOf("p3")).toEqual([]);
      });

      test("membersOf: oldest first, ties by principal id; only that tenant", async () => {
        await principals("p-b", "p-c", "p-a");
        await access.addMember(member("p-b", "t1", 10));
        await access.addMember(member("p-c", "t1", 0));
        await access.addMember(member("p-a", "t1", 10));
        await access.addMember(member("p-a", "t2", 0));
        expect(await access.membersOf("t1")).toEqual([member("p-c", "t1", 0), member("p-a", "t1", 10), member("p-b", "t1", 10)]);
        expect(await access.membersOf("t2")).toEqual([member("p-a", "t2", 0)]);
        expect(await access.membersOf("t3")).toEqual([]);
      });

      test("addMember is idempotent and keeps the first createdAt", async () => {
        await principals("p1");
        await access.addMember(member("p1", "t1", 0));
        await access.addMember(member("p1", "t1", 5000));
        expect(await access.membershipsOf("p1")).toEqual([member("p1", "t1", 0)]);
        expect(await access.membersOf("t1")).toEqual([member("p1", "t1", 0)]);
      });

      test("keeps a copy of its input and hands out copies", async () => {
        await principals("p1");
        const input = member("p1", "t1");
        await access.addMember(input);
        input.createdAt.setTime(0);
        input.tenantId = "mutated";
        const [listed] = await access.membershipsOf("p1");
        listed!.createdAt.setTime(0);
        expect(await access.membershipsOf("p1")).toEqual([member("p1", "t1")]);
      });

      test("removeMember drops the membership and that tenant's roles and grants, nothing else", async () => {
        await principals("p1", "p2");
        await access.addMember(member("p1", "t1"));
        await access.addMember(member("p1", "t2", 1));
        await access.addMember(member("p2", "t1"));
        for (const [principal, tenant] of [["p1", "t1"], ["p1", "t2"], ["p1", null], ["p2", "t1"]] as const) {
          await access.updateAssignments(principal, tenant, { addRoles: ["editor"], setGrants: [deny("doc:delete")] });
        }

        await access.removeMember("p1", "t1");

        expect(await access.membershipsOf("p1")).toEqual([member("p1", "t2", 1)]);
        expect(await access.membersOf("t1")).toEqual([member("p2", "t1")]);
        expect(await access.assignmentsFor("p1", "t1")).toEqual(NONE);
        const kept = { roleIds: ["editor"], grants: [deny("doc:delete")] };
        expect(await access.assignmentsFor("p1", "t2")).toEqual(kept);
        expect(await access.assignmentsFor("p1", null)).toEqual(kept);
        expect(await access.assignmentsFor("p2", "t1")).toEqual(kept);
      });

      test("removeMember of an unknown membership is a no-op", async () => {
        await principals("p1");
        await access.addMember(member("p1", "t1"));
        await access.removeMember("p1", "t2");
        await access.removeMember("p2", "t1");
        expect(await access.membershipsOf("p1")).toEqual([member("p1", "t1")]);
      });
    });

    describe("assignments", () => {
      test("roles: added, re-added without duplicates, removed; answered sorted by id", async () => {
        await principals("p1");
        await access.updateAssignments("p1", "t1", { addRoles: ["viewer", "admin"] });
        await access.updateAssignments("p1", "t1", { addRoles: ["editor", "admin"] });
        expect(await access.assignmentsFor("p1", "t1")).toEqual({ roleIds: ["admin", "editor", "viewer"], grants: [] });
        await access.updateAssignments("p1", "t1", { removeRoles: ["admin", "never-held"] });
        expect(await access.assignmentsFor("p1", "t1")).toEqual({ roleIds: ["editor", "viewer"], grants: [] });
      });

      test("grants: set, replaced by id, removed; answered sorted by id", async () => {
        await principals("p1");
        await access.updateAssignments("p1", "t1", { setGrants: [allow("g-b", "doc:read"), deny("g-a", "doc:delete")] });
        expect(await access.assignmentsFor("p1", "t1")).toEqual({ roleIds: [], grants: [deny("g-a", "doc:delete"), allow("g-b", "doc:read")] });
        await access.updateAssignments("p1", "t1", { setGrants: [allow("g-a", "doc:*"), allow("g-c", "billing.invoice:refund")] });
        expect((await access.assignmentsFor("p1", "t1")).grants).toEqual([allow("g-a", "doc:*"), allow("g-b", "doc:read"), allow("g-c", "billing.invoice:refund")]);
        await access.updateAssignments("p1", "t1", { removeGrants: ["g-b", "never-set"] });
        expect((await access.assignmentsFor("p1", "t1")).grants).toEqual([allow("g-a", "doc:*"), allow("g-c", "billing.invoice:refund")]);
      });

      test("setting the same grant twice leaves one", async () => {
        await principals("p1");
        await access.updateAssignments("p1", null, { setGrants: [deny("doc:delete")] });
        await access.updateAssignments("p1", null, { setGrants: [deny("doc:delete")] });
        expect(await access.assignmentsFor("p1", null)).toEqual({ roleIds: [], grants: [deny("doc:delete")] });
      });

      test("one change adds and removes roles and grants together", async () => {
        await principals("p1");
        await access.updateAssignments("p1", "t1", { addRoles: ["old-role"], setGrants: [allow("old-grant")] });
        await access.updateAssignments("p1", "t1", {
          addRoles: ["new-role"],
          removeRoles: ["old-role"],
          setGrants: [deny("new-grant")],
          removeGrants: ["old-grant"],
        });
        expect(await access.assignmentsFor("p1", "t1")).toEqual({ roleIds: ["new-role"], grants: [deny("new-grant")] });
        await access.updateAssignments("p1", "t1", { removeRoles: ["new-role"], removeGrants: ["new-grant"] });
        expect(await access.assignmentsFor("p1", "t1")).toEqual(NONE);
      });

      test("an empty change is a no-op", async () => {
        await principals("p1");
        await access.updateAssignments("p1", "t1", {});
        expect(await access.assignmentsFor("p1", "t1")).toEqual(NONE);
        await access.updateAssignments("p1", "t1", { addRoles: ["editor"], setGrants: [allow("doc:read")] });
        await access.updateAssignments("p1", "t1", {});
        await access.updateAssignments("p1", "t1", { addRoles: [], removeRoles: [], setGrants: [], removeGrants: [] });
        expect(await access.assignmentsFor("p1", "t1")).toEqual({ roleIds: ["editor"], grants: [allow("doc:read")] });
      });

      test("the null tenant is separate from every tenant", async () => {
        await principals("p1");
        await access.updateAssignments("p1", null, { addRoles: ["platform-admin"], setGrants: [allow("g", "*")] });
        await access.updateAssignments("p1", "t1", { addRoles: ["editor"], setGrants: [deny("g", "doc:delete")] });
        expect(await access.assignmentsFor("p1", null)).toEqual({ roleIds: ["platform-admin"], grants: [allow("g", "*")] });
        expect(await access.assignmentsFor("p1", "t1")).toEqual({ roleIds: ["editor"], grants: [deny("g", "doc:delete")] });
        expect(await access.assignmentsFor("p1", "null")).toEqual(NONE);
        await access.updateAssignments("p1", null, { removeRoles: ["platform-admin", "editor"], removeGrants: ["g"] });
        expect(await access.assignmentsFor("p1", null)).toEqual(NONE);
        expect(await access.assignmentsFor("p1", "t1")).toEqual({ roleIds: ["editor"], grants: [deny("g", "doc:delete")] });
      });

      test("principals and tenants are isolated from each other", async () => {
        await principals("p1", "p2");
        await access.updateAssignments("p1", "t1", { addRoles: ["r-p1-t1"], setGrants: [allow("g-p1-t1")] });
        await access.updateAssignments("p1", "t2", { addRoles: ["r-p1-t2"] });
        await access.updateAssignments("p2", "t1", { setGrants: [deny("g-p2-t1")] });
        expect(await access.assignmentsFor("p1", "t1")).toEqual({ roleIds: ["r-p1-t1"], grants: [allow("g-p1-t1")] });
        expect(await access.assignmentsFor("p1", "t2")).toEqual({ roleIds: ["r-p1-t2"], grants: [] });
        expect(await access.assignmentsFor("p2", "t1")).toEqual({ roleIds: [], grants: [deny("g-p2-t1")] });
        expect(await access.assignmentsFor("p2", "t2")).toEqual(NONE);
        // Assignments are not memberships.
        expect(await access.membershipsOf("p1")).toEqual([]);
      });

      test("keeps a copy of the change", async () => {
        await principals("p1");
        const grant = allow("g1", "doc:read");
        const roles = ["editor"];
        await access.updateAssignments("p1", "t1", { addRoles: roles, setGrants: [grant] });
        grant.effect = "deny";
        grant.permission = "*";
        roles.push("admin");
        expect(await access.assignmentsFor("p1", "t1")).toEqual({ roleIds: ["editor"], grants: [allow("g1", "doc:read")] });
      });
    });

    test("ids with quotes, LIKE wildcards, backslashes and non-ASCII characters are stored and matched exactly", async () => {
      await principals(...ODD, "a%b", "axb");
      for (const [i, id] of ODD.entries()) {
        await access.addMember(member(id, id, i));
        await access.updateAssignments(id, id, { addRoles: [id], setGrants: [allow(id, "doc:read")] });
      }
      for (const [i, id] of ODD.entries()) {
        expect(await access.membershipsOf(id)).toEqual([member(id, id, i)]);
        expect(await access.membersOf(id)).toEqual([member(id, id, i)]);
        expect(await access.assignmentsFor(id, id)).toEqual({ roleIds: [id], grants: [allow(id, "doc:read")] });
      }
      // A wildcard in one id never reaches another: "a_b" and "50%" are literal.
      await access.addMember(member("axb", "t1"));
      await access.addMember(member("a%b", "t1", 1));
      expect(await access.membershipsOf("a_b")).toEqual([member("a_b", "a_b", ODD.indexOf("a_b"))]);
      expect(await access.membersOf("a_b")).toEqual([member("a_b", "a_b", ODD.indexOf("a_b"))]);
      expect(await access.assignmentsFor("a_b", "axb")).toEqual(NONE);
      expect(await access.assignmentsFor("axb", "a_b")).toEqual(NONE);
      expect(await access.membersOf("5%")).toEqual([]);

      await access.removeMember("a_b", "a_b");
      expect(await access.assignmentsFor("a_b", "a_b")).toEqual(NONE);
      expect(await access.membersOf("t1")).toEqual([member("axb", "t1"), member("a%b", "t1", 1)]);
      expect(await access.assignmentsFor("50%", "50%")).toEqual({ roleIds: ["50%"], grants: [allow("50%", "doc:read")] });
    });

    test("sorting is by id, whatever the characters", async () => {
      await principals("p1");
      const ids = ["b", "B", "a_", "a%", "é", "z", "10", "9", "A"];
      await access.updateAssignments("p1", "t1", { addRoles: ids, setGrants: ids.map((id) => allow(id, "doc:read")) });
      // JavaScript string order (UTF-16 code units): what `[...ids].sort()` gives, not a locale's collation.
      const sorted = [...ids].sort();
      const found = await access.assignmentsFor("p1", "t1");
      expect(found.roleIds).toEqual(sorted);
      expect(found.grants.map((g) => g.id)).toEqual(sorted);
    });
  });
}
