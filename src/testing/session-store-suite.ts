/**
 * The SessionStore contract, for any store that offers sessions (alone, like Redis, KV
 * and Durable Objects, or beside the other ports: `describeStores` runs it too).
 */
import { beforeEach, describe, expect, test } from "vitest";
import { StorageError } from "../core/errors.js";
import type { SessionRecord, SessionStore } from "../ports/session-store.js";

// Millisecond precision on purpose: a store that rounds to seconds fails.
const T0 = new Date("2026-03-04T05:06:07.089Z");
const at = (offsetMs: number): Date => new Date(T0.getTime() + offsetMs);

function session(id: string, userId: string, offsetMs = 0): SessionRecord {
  return {
    id,
    userId,
    tenantId: null,
    createdAt: at(offsetMs),
    expiresAt: at(offsetMs + 30 * 86_400_000),
    idleExpiresAt: at(offsetMs + 86_400_000),
    amr: ["pwd"],
    ip: "203.0.113.7",
    userAgent: "conformance/1.0",
  };
}

/** `makeSessions` must return a store with empty state for every test. */
export function describeSessionStore(name: string, makeSessions: () => Promise<SessionStore>): void {
  describe(`session store conformance: ${name}`, () => {
    let sessions: SessionStore;
    beforeEach(async () => {
      sessions = await makeSessions();
    });

    test("declares its consistency", () => {
      expect(["atomic", "eventual"]).toContain(sessions.consistency);
    });

    test("create and get round-trip every field", async () => {
      const record = { ...session("s1", "user-1"), amr: ["pwd", "otp"], ip: null, userAgent: null };
      await sessions.create(record);
      const found = await sessions.get("s1");
      expect(found).toEqual(record);
      const inTenant = { ...session("s2", "user-1"), tenantId: "tenant-1" };
      await sessions.create(inTenant);
      expect(await sessions.get("s2")).toEqual(inTenant);
      expect(found?.expiresAt).toBeInstanceOf(Date);
      expect(await sessions.get("nothing")).toBeNull();
    });

    test("get returns expired records: expiry is the token strategy's decision", async () => {
      const expired = { ...session("old", "user-1"), expiresAt: new Date(1000), idleExpiresAt: new Date(1000) };
      await sessions.create(expired);
      expect(await sessions.get("old")).toEqual(expired);
    });

    test("a second session with the same id is rejected, not overwritten", async () => {
      await sessions.create(session("s1", "user-1"));
      await expect(sessions.create(session("s1", "user-2"))).rejects.toBeInstanceOf(StorageError);
      expect((await sessions.get("s1"))?.userId).toBe("user-1");
    });

    test("touch slides idleExpiresAt only; touching a missing session creates nothing", async () => {
      await sessions.create(session("s1", "user-1"));
      await sessions.touch("s1", at(7 * 86_400_000));
      expect(await sessions.get("s1")).toEqual({ ...session("s1", "user-1"), idleExpiresAt: at(7 * 86_400_000) });
      await sessions.touch("gone", at(1));
      expect(await sessions.get("gone")).toBeNull();
    });

    test("delete removes one session; unknown id is a no-op", async () => {
      await sessions.create(session("s1", "user-1"));
      await sessions.create(session("s2", "user-1", 1));
      await sessions.delete("s1");
      await sessions.delete("s1");
      expect(await sessions.get("s1")).toBeNull();
      expect((await sessions.listByUser("user-1")).map((s) => s.id)).toEqual(["s2"]);
    });

    test("listByUser returns that user's sessions, oldest first", async () => {
      await sessions.create(session("b", "user-1", 20));
      await sessions.create(session("a", "user-1", 10));
      await sessions.create(session("c", "user-2", 0));
      const listed = await sessions.listByUser("user-1");
      expect(listed).toEqual([session("a", "user-1", 10), session("b", "user-1", 20)]);
      expect(await sessions.listByUser("nobody")).toEqual([]);
    });

    test("deleteByUser removes only that user's sessions", async () => {
      await sessions.create(session("a", "user-1"));
      await sessions.create(session("b", "user-1", 1));
      await sessions.create(session("c", "user-2"));
      await sessions.deleteByUser("user-1");
      await sessions.deleteByUser("nobody");
      expect(await sessions.listByUser("user-1")).toEqual([]);
      expect(await sessions.get("a")).toBeNull();
      expect(await sessions.get("c")).toEqual(session("c", "user-2"));
      // The id can be reused once deleted, and the user index is rebuilt.
      await sessions.create(session("a", "user-1"));
      expect((await sessions.listByUser("user-1")).map((s) => s.id)).toEqual(["a"]);
    });

    test("returns copies, and keeps copies of its input", async () => {
      const input = session("s1", "user-1");
      await sessions.create(input);
      input.amr.push("mutated");
      input.expiresAt.setTime(0);
      const found = await sessions.get("s1");
      found!.amr.push("mutated");
      found!.idleExpiresAt.setTime(0);
      const [listed] = await sessions.listByUser("user-1");
      listed!.createdAt.setTime(0);
      expect(await sessions.get("s1")).toEqual(session("s1", "user-1"));
    });
  });
}
