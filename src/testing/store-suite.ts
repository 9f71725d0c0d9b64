/**
 * The contract every store adapter must pass, whatever its backend. An adapter's
 * test file calls `describeStores("d1", async () => d1Stores(env.DB))`; each test
 * gets fresh stores from `makeStores` (the factory must return empty state).
 */
import { beforeEach, describe, expect, test } from "vitest";
import { describeSessionStore } from "./session-store-suite.js";
import { AuthError, ConflictError, StorageError } from "../core/errors.js";
import type { AuditEvent, AuditSink } from "../ports/audit-sink.js";
import type { Store } from "../ports/consistency.js";
import type { CredentialStore, NewCredential } from "../ports/credential-store.js";
import type { KeyStore, StoredKey } from "../ports/key-store.js";
import type { SessionStore } from "../ports/session-store.js";
import type { NewUser, UserStore } from "../ports/user-store.js";

export interface ConformanceStores {
  users: UserStore;
  credentials: CredentialStore;
  sessions: SessionStore;
  audit: AuditSink & Partial<Store>;
}

export interface StoreSuiteOptions<S extends ConformanceStores> {
  /** Reads back accepted audit events (oldest first); without it the audit round-trip test is skipped. */
  readAudit?: (stores: S) => Promise<AuditEvent[]>;
}

// Millisecond precision on purpose: a store that rounds to seconds fails.
const T0 = new Date("2026-03-04T05:06:07.089Z");
const at = (offsetMs: number): Date => new Date(T0.getTime() + offsetMs);

function newUser(n: number, overrides: Partial<NewUser> = {}): NewUser {
  return { id: `user-${n}`, kind: "user", email: `person${n}@example.com`, emailVerified: false, name: `Person ${n}`, createdAt: at(n), ...overrides };
}

function password(userId: string, n = 0): NewCredential {
  return { id: `cred-pw-${userId}-${n}`, userId, type: "password", identifier: null, secret: `$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$${userId}${n}`, createdAt: at(n) };
}

function oauth(userId: string, subject: string, createdAt = at(0)): NewCredential {
  return { id: `cred-oauth-${userId}-${subject}`, userId, type: "oauth", identifier: `github:${subject}`, secret: "{}", createdAt };
}


function auditEvent(id: string, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id,
    type: "sign_in",
    outcome: "success",
    reason: "ok",
    at: at(5),
    requestId: `req-${id}`,
    userId: "user-1",
    sessionRef: "ref-1",
    ip: "198.51.100.1",
    userAgent: "conformance/1.0",
    ...overrides,
  };
}

/** Registers the store contract tests for one adapter. */
export function describeStores<S extends ConformanceStores>(name: string, makeStores: () => Promise<S>, options: StoreSuiteOptions<S> = {}): void {
  describe(`store conformance: ${name}`, () => {
    let stores: S;
    beforeEach(async () => {
      stores = await makeStores();
    });

    test("every store declares its consistency", () => {
      for (const store of [stores.users, stores.credentials, stores.sessions]) {
        expect(["atomic", "eventual"]).toContain(store.consistency);
      }
      if (stores.audit.consistency !== undefined) expect(["atomic", "eventual"]).toContain(stores.audit.consistency);
    });

    describe("UserStore", () => {
      test("create returns the user with updatedAt = createdAt, and both finders see it", async () => {
        const input = newUser(1);
        const created = await stores.users.create(input, [password("user-1")]);
        const expected = { ...input, updatedAt: input.createdAt };
        expect(created).toEqual(expected);
        expect(await stores.users.findById("user-1")).toEqual(expected);
        expect(await stores.users.findByEmail("person1@example.com")).toEqual(expected);
      });

      test("unknown id or email is null, and email lookup is exact", async () => {
        await stores.users.create(newUser(1), []);
        expect(await stores.users.findById("nobody")).toBeNull();
        expect(await stores.users.findByEmail("nobody@example.com")).toBeNull();
        expect(await stores.users.findByEmail("PERSON1@example.com")).toBeNull();
      });

      test("create stores the initial credentials", async () => {
        await stores.users.create(newUser(1), [password("user-1"), oauth("user-1", "42")]);
        const listed = await stores.credentials.listByUser("user-1");
        expect(listed.map((c) => c.id).sort()).toEqual(["cred-oauth-user-1-42", "cred-pw-user-1-0"]);
      });

      test("a taken email is ConflictError and changes nothing", async () => {
        await stores.users.create(newUser(1), [password("user-1")]);
        const duplicate = newUser(2, { email: "person1@example.com" });
        const error: unknown = await stores.users.create(duplicate, [password("user-2")]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConflictError);
        expect((error as ConflictError).code).toBe("email_taken");
        expect((error as Error).message).not.toContain("person1@example.com");
        expect(await stores.users.findById("user-2")).toBeNull();
        expect(await stores.credentials.listByUser("user-2")).toEqual([]);
        expect((await stores.users.findByEmail("person1@example.com"))?.id).toBe("user-1");
      });

      test("concurrent creates with one email: exactly one wins, the rest are ConflictError", async () => {
        const results = await Promise.allSettled([1, 2, 3, 4].map((n) => stores.users.create(newUser(n, { email: "race@example.com" }), [password(`user-${n}`)])));
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ConflictError);
        const winner = await stores.users.findByEmail("race@example.com");
        for (const n of [1, 2, 3, 4]) {
          const credentials = await stores.credentials.listByUser(`user-${n}`);
          expect(credentials).toHaveLength(`user-${n}` === winner?.id ? 1 : 0);
        }
      });

      test("create is atomic: a failing credential leaves no user row", async () => {
        await stores.users.create(newUser(1), [oauth("user-1", "42")]);
        const clash = { ...oauth("user-2", "42"), id: "cred-clash" };
        const error: unknown = await stores.users.create(newUser(2), [password("user-2"), clash]).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "credential_taken", status: 409 });
        expect(await stores.users.findById("user-2")).toBeNull();
        expect(await stores.users.findByEmail("person2@example.com")).toBeNull();
        expect(await stores.credentials.listByUser("user-2")).toEqual([]);
        // Nothing half-written blocks a clean retry.
        await stores.users.create(newUser(2), [password("user-2")]);
        expect(await stores.credentials.listByUser("user-2")).toHaveLength(1);
      });

      test("create is atomic when two initial credentials clash with each other", async () => {
        const a = oauth("user-1", "7");
        const b = { ...oauth("user-1", "7"), id: "cred-other" };
        await expect(stores.users.create(newUser(1), [a, b])).rejects.toBeInstanceOf(AuthError);
        expect(await stores.users.findById("user-1")).toBeNull();
        expect(await stores.credentials.findByIdentifier("oauth", "github:7")).toBeNull();
      });

      test("update patches the given fields only and returns the result", async () => {
        await stores.users.create(newUser(1), []);
        const updated = await stores.users.update("user-1", { emailVerified: true, updatedAt: at(1000) });
        expect(updated).toEqual({ ...newUser(1), emailVerified: true, updatedAt: at(1000) });
        expect(await stores.users.findById("user-1")).toEqual(updated);

        const renamed = await stores.users.update("user-1", { name: null, updatedAt: at(2000) });
        expect(renamed?.name).toBeNull();
        expect(renamed?.emailVerified).toBe(true);
      });

      test("update moves the email index", async () => {
        await stores.users.create(newUser(1), []);
        await stores.users.update("user-1", { email: "new@example.com", updatedAt: at(1000) });
        expect(await stores.users.findByEmail("person1@example.com")).toBeNull();
        expect((await stores.users.findByEmail("new@example.com"))?.id).toBe("user-1");
        // The old address is free again.
        await stores.users.create(newUser(2, { email: "person1@example.com" }), []);
      });

      test("update to a taken email is ConflictError and changes nothing", async () => {
        await stores.users.create(newUser(1), []);
        await stores.users.create(newUser(2), []);
        await expect(stores.users.update("user-2", { email: "person1@example.com", updatedAt: at(1000) })).rejects.toBeInstanceOf(ConflictError);
        expect((await stores.users.findById("user-2"))?.email).toBe("person2@example.com");
        // Re-saving one's own email is not a conflict.
        expect((await stores.users.update("user-1", { email: "person1@example.com", updatedAt: at(1000) }))?.email).toBe("person1@example.com");
      });

      test("update of an unknown user is null and creates nothing", async () => {
        expect(await stores.users.update("nobody", { name: "x", updatedAt: at(0) })).toBeNull();
        expect(await stores.users.findById("nobody")).toBeNull();
      });

      test("delete removes the user and its credentials, not other users'", async () => {
        await stores.users.create(newUser(1), [password("user-1"), oauth("user-1", "1")]);
        await stores.users.create(newUser(2), [password("user-2")]);
        await stores.users.delete("user-1");
        expect(await stores.users.findById("user-1")).toBeNull();
        expect(await stores.users.findByEmail("person1@example.com")).toBeNull();
        expect(await stores.credentials.listByUser("user-1")).toEqual([]);
        expect(await stores.credentials.findByIdentifier("oauth", "github:1")).toBeNull();
        expect(await stores.credentials.listByUser("user-2")).toHaveLength(1);
        // Email and identifier are free again.
        await stores.users.create(newUser(3, { email: "person1@example.com" }), [oauth("user-3", "1")]);
        await stores.users.delete("nobody");
      });

      test("returns copies, and keeps copies of its input", async () => {
        const input = newUser(1);
        const created = await stores.users.create(input, []);
        input.email = "mutated@example.com";
        input.createdAt.setTime(0);
        created.name = "mutated";
        created.updatedAt.setTime(0);
        const found = await stores.users.findById("user-1");
        found!.createdAt.setTime(0);
        expect(await stores.users.findById("user-1")).toEqual({ ...newUser(1), updatedAt: at(1) });
      });
    });

    describe("CredentialStore", () => {
      beforeEach(async () => {
        await stores.users.create(newUser(1), []);
        await stores.users.create(newUser(2), []);
      });

      test("add, listByUser (oldest first, by type), findByIdentifier", async () => {
        await stores.credentials.add(oauth("user-1", "42", at(20)));
        await stores.credentials.add(password("user-1", 10));
        await stores.credentials.add(oauth("user-2", "43"));

        const all = await stores.credentials.listByUser("user-1");
        expect(all.map((c) => c.id)).toEqual(["cred-pw-user-1-10", "cred-oauth-user-1-42"]);
        expect(all[0]).toEqual({ ...password("user-1", 10), updatedAt: at(10) });
        expect((await stores.credentials.listByUser("user-1", "password")).map((c) => c.id)).toEqual(["cred-pw-user-1-10"]);
        expect(await stores.credentials.listByUser("user-1", "passkey")).toEqual([]);
        expect(await stores.credentials.listByUser("nobody")).toEqual([]);

        expect(await stores.credentials.findByIdentifier("oauth", "github:42")).toEqual({ ...oauth("user-1", "42", at(20)), updatedAt: at(20) });
        expect(await stores.credentials.findByIdentifier("oauth", "github:404")).toBeNull();
        expect(await stores.credentials.findByIdentifier("passkey", "github:42")).toBeNull();
      });

      test("identifiers are unique per type; null identifiers never clash", async () => {
        await stores.credentials.add(oauth("user-1", "42"));
        await expect(stores.credentials.add({ ...oauth("user-2", "42"), id: "cred-dup" })).rejects.toMatchObject({ code: "credential_taken", status: 409 });
        await stores.credentials.add({ ...oauth("user-2", "42"), id: "cred-other-type", type: "oidc" });
        await stores.credentials.add(password("user-1", 1));
        await stores.credentials.add(password("user-1", 2));
        expect(await stores.credentials.listByUser("user-1", "password")).toHaveLength(2);
        expect(await stores.credentials.listByUser("user-2")).toHaveLength(1);
      });

      test("a duplicate credential id or an unknown user is rejected", async () => {
        await stores.credentials.add(password("user-1"));
        await expect(stores.credentials.add(password("user-1"))).rejects.toBeInstanceOf(StorageError);
        await expect(stores.credentials.add(password("nobody"))).rejects.toBeInstanceOf(StorageError);
        expect(await stores.credentials.listByUser("nobody")).toEqual([]);
      });

      test("updateSecret replaces secret and updatedAt only; unknown id is a no-op", async () => {
        await stores.credentials.add(password("user-1"));
        await stores.credentials.updateSecret("cred-pw-user-1-0", "$argon2id$new", at(5000));
        const [updated] = await stores.credentials.listByUser("user-1");
        expect(updated).toEqual({ ...password("user-1"), secret: "$argon2id$new", updatedAt: at(5000) });
        await stores.credentials.updateSecret("nobody", "x", at(0));
        expect(await stores.credentials.listByUser("user-1")).toEqual([updated]);
      });

      test("remove deletes one credential and frees its identifier; unknown id is a no-op", async () => {
        await stores.credentials.add(oauth("user-1", "42"));
        await stores.credentials.add(password("user-1"));
        await stores.credentials.remove("cred-oauth-user-1-42");
        await stores.credentials.remove("nobody");
        expect((await stores.credentials.listByUser("user-1")).map((c) => c.id)).toEqual(["cred-pw-user-1-0"]);
        expect(await stores.credentials.findByIdentifier("oauth", "github:42")).toBeNull();
        await stores.credentials.add(oauth("user-2", "42"));
      });

      test("returns copies, and keeps copies of its input", async () => {
        const input = oauth("user-1", "42");
        await stores.credentials.add(input);
        input.secret = "mutated";
        input.createdAt.setTime(0);
        const found = await stores.credentials.findByIdentifier("oauth", "github:42");
        found!.secret = "mutated";
        found!.updatedAt.setTime(0);
        const [listed] = await stores.credentials.listByUser("user-1");
        listed!.createdAt.setTime(0);
        expect(await stores.credentials.findByIdentifier("oauth", "github:42")).toEqual({ ...oauth("user-1", "42"), updatedAt: at(0) });
      });
    });

    // Sessions have their own suite so stores that offer only sessions (Redis, KV, DO) run the same cases.
    describeSessionStore(name, async () => (await makeStores()).sessions);

    describe("AuditSink", () => {
      test("write accepts events, with and without detail", async () => {
        await stores.audit.write(auditEvent("e1", { detail: { risk: 10, signals: "", mfa: false, note: null } }));
        await stores.audit.write(auditEvent("e2", { userId: null, sessionRef: null, ip: null, userAgent: null, outcome: "failure", reason: "invalid_credentials" }));
      });

      test("write is idempotent on id (a retried write resolves, stored once)", async () => {
        await stores.audit.write(auditEvent("e1"));
        await stores.audit.write(auditEvent("e1"));
        if (options.readAudit !== undefined) expect(await options.readAudit(stores)).toHaveLength(1);
      });

      test.runIf(options.readAudit !== undefined)("events round-trip every field, as copies", async () => {
        const withDetail = auditEvent("e1", { detail: { risk: 10, signals: "new_device", mfa: false, note: null } });
        const bare = auditEvent("e2", { at: at(6), userId: null, sessionRef: null, ip: null, userAgent: null, type: "custom_event" });
        await stores.audit.write(withDetail);
        await stores.audit.write(bare);
        withDetail.detail!.risk = 99;
        withDetail.at.setTime(0);
        const events = await options.readAudit!(stores);
        expect(events).toEqual([auditEvent("e1", { detail: { risk: 10, signals: "new_device", mfa: false, note: null } }), bare]);
        expect(events[1]).not.toHaveProperty("detail");
        events[0]!.at.setTime(0);
        expect((await options.readAudit!(stores))[0]?.at).toEqual(at(5));
      });
    });
  });
}

function storedKey(kid: string, createdAt: Date, status: StoredKey["status"] = "active"): StoredKey {
  return {
    kid,
    alg: "EdDSA",
    privateJwk: { kty: "OKP", crv: "Ed25519", x: `x-${kid}`, d: `d-${kid}` },
    publicJwk: { kty: "OKP", crv: "Ed25519", x: `x-${kid}` },
    createdAt,
    status,
  };
}

/**
 * The KeyStore contract, for adapters that offer one (separate from `describeStores`
 * so adapters without a key store need not change). `makeKeys` must return an empty store.
 */
export function describeKeyStore(name: string, makeKeys: () => Promise<KeyStore>): void {
  describe(`key store conformance: ${name}`, () => {
    let keys: KeyStore;
    beforeEach(async () => {
      keys = await makeKeys();
    });

    test("declares its consistency; empty at start", async () => {
      expect(["atomic", "eventual"]).toContain(keys.consistency);
      expect(await keys.list()).toEqual([]);
    });

    test("list is newest first, every field round-trips", async () => {
      await keys.put(storedKey("k1", at(0)));
      await keys.put(storedKey("k3", at(2000)));
      await keys.put(storedKey("k2", at(1000), "retired"));
      expect(await keys.list()).toEqual([storedKey("k3", at(2000)), storedKey("k2", at(1000), "retired"), storedKey("k1", at(0))]);
    });

    test("keys created in the same millisecond: the later put lists first", async () => {
      await keys.put(storedKey("b", at(0)));
      await keys.put(storedKey("a", at(0)));
      await keys.put(storedKey("c", at(0)));
      expect((await keys.list()).map((k) => k.kid)).toEqual(["c", "a", "b"]);
    });

    test("put with a known kid replaces it in place (retiring a key)", async () => {
      await keys.put(storedKey("k1", at(0)));
      await keys.put(storedKey("k2", at(0)));
      await keys.put(storedKey("k1", at(0), "retired"));
      expect((await keys.list()).map((k) => [k.kid, k.status])).toEqual([
        ["k2", "active"],
        ["k1", "retired"],
      ]);
    });

    test("returns deep copies, and keeps copies of its input", async () => {
      const input = storedKey("k1", at(0));
      await keys.put(input);
      input.privateJwk.d = "mutated";
      input.createdAt.setTime(0);
      const [listed] = await keys.list();
      listed!.publicJwk.x = "mutated";
      listed!.createdAt.setTime(0);
      expect(await keys.list()).toEqual([storedKey("k1", at(0))]);
    });
  });
}
