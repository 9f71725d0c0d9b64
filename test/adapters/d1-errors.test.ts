import { describe, expect, test } from "vitest";
import { type D1DatabaseLike, type D1PreparedStatementLike, d1Stores } from "../../src/adapters/d1/index.js";
import { StorageError } from "../../src/core/errors.js";

/** A D1 binding whose every query fails the way an unreachable database does. */
function brokenD1(): { db: D1DatabaseLike; failure: Error } {
  const failure = new Error("D1_ERROR: Network connection lost.");
  const statement: D1PreparedStatementLike = {
    bind: () => statement,
    run: () => Promise.reject(failure),
    all: () => Promise.reject(failure),
    raw: () => Promise.reject(failure),
  };
  return { failure, db: { prepare: () => statement, batch: () => Promise.reject(failure), exec: () => Promise.reject(failure) } };
}

describe("d1 store failures (any runtime)", () => {
  const at = new Date(0);
  const user = { id: "u1", kind: "user" as const, email: "hidden@example.com", emailVerified: false, name: null, createdAt: at };
  const session = { id: "s1", userId: "u1", tenantId: null, createdAt: at, expiresAt: at, idleExpiresAt: at, amr: [], ip: null, userAgent: null };
  const credential = { id: "c1", userId: "u1", type: "password", identifier: null, secret: "$argon2id$hidden", createdAt: at };
  const calls: [string, (s: ReturnType<typeof d1Stores>) => Promise<unknown>][] = [
    ["users.create", (s) => s.users.create(user, [credential])],
    ["users.findById", (s) => s.users.findById("u1")],
    ["users.findByEmail", (s) => s.users.findByEmail("hidden@example.com")],
    ["users.update", (s) => s.users.update("u1", { email: "hidden@example.com", updatedAt: at })],
    ["users.delete", (s) => s.users.delete("u1")],
    ["credentials.add", (s) => s.credentials.add(credential)],
    ["credentials.listByUser", (s) => s.credentials.listByUser("u1", "password")],
    ["credentials.findByIdentifier", (s) => s.credentials.findByIdentifier("oauth", "github:hidden")],
    ["credentials.updateSecret", (s) => s.credentials.updateSecret("c1", "$argon2id$hidden", at)],
    ["credentials.remove", (s) => s.credentials.remove("c1")],
    ["sessions.create", (s) => s.sessions.create(session)],
    ["sessions.get", (s) => s.sessions.get("s1")],
    ["sessions.touch", (s) => s.sessions.touch("s1", at)],
    ["sessions.delete", (s) => s.sessions.delete("s1")],
    ["sessions.listByUser", (s) => s.sessions.listByUser("u1")],
    ["sessions.deleteByUser", (s) => s.sessions.deleteByUser("u1")],
    ["audit.write", (s) => s.audit.write({ id: "e", type: "sign_in", outcome: "failure", reason: "x", at, requestId: "r", userId: null, sessionRef: null, ip: null, userAgent: null })],
    ["keys.list", (s) => s.keys.list()],
    ["keys.put", (s) => s.keys.put({ kid: "k", alg: "EdDSA", privateJwk: { d: "hidden" }, publicJwk: {}, createdAt: at, status: "active" })],
    ["counters.increment", (s) => s.counters.increment("hidden-key", 60)],
    ["counters.get", (s) => s.counters.get("hidden-key")],
    ["counters.reset", (s) => s.counters.reset("hidden-key")],
    ["singleUse.put", (s) => s.singleUse.put("hidden-key", "hidden", 60)],
    ["singleUse.consume", (s) => s.singleUse.consume("hidden-key")],
    ["singleUse.claim", (s) => s.singleUse.claim("hidden-key", 60)],
    [
      "apiKeys.create",
      (s) => s.apiKeys.create({ id: "k1", ownerId: "u1", tenantId: null, name: "n", prefix: "p", secretHash: "hidden", scopes: [], createdAt: at, expiresAt: null, revokedAt: null }),
    ],
    ["apiKeys.findByLookup", (s) => s.apiKeys.findByLookup("k1")],
    ["apiKeys.listByOwner", (s) => s.apiKeys.listByOwner("u1")],
    ["apiKeys.revoke", (s) => s.apiKeys.revoke("k1", at)],
    ["access.assignmentsFor", (s) => s.access.assignmentsFor("u1", "t1")],
    ["access.membershipsOf", (s) => s.access.membershipsOf("u1")],
    ["access.membersOf", (s) => s.access.membersOf("t1")],
    ["access.addMember", (s) => s.access.addMember({ principalId: "u1", tenantId: "t1", createdAt: at })],
    ["access.removeMember", (s) => s.access.removeMember("u1", "t1")],
    ["access.updateAssignments", (s) => s.access.updateAssignments("u1", "t1", { addRoles: ["hidden-role"] })],
  ];

  test.each(calls)("%s rejects with StorageError wrapping the driver error, no values in it", async (operation, call) => {
    const { db, failure } = brokenD1();
    const error: unknown = await call(d1Stores(db)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toBe(`d1 ${operation} failed`);
    expect((error as StorageError).status).toBe(503);
    // The driver error, not Drizzle's wrapper (whose message lists the bound parameters).
    expect((error as StorageError).cause).toBe(failure);
  });
});
