import { describe, expect, test } from "vitest";
import { faulty } from "../../src/adapters/faulty.js";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { StorageError } from "../../src/core/errors.js";

describe("faulty", () => {
  test("throw mode rejects the chosen methods with StorageError; others pass through", async () => {
    const { users } = memoryStores();
    const broken = faulty(users, { mode: "throw", methods: ["findByEmail"] });
    expect(broken.consistency).toBe("atomic");
    await broken.create({ id: "u1", kind: "user", email: "a@example.com", emailVerified: false, name: null, createdAt: new Date(0) }, []);
    expect((await broken.findById("u1"))?.email).toBe("a@example.com");
    const error: unknown = await broken.findByEmail("a@example.com").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("storage_unavailable");
    expect((error as StorageError).status).toBe(503);
    expect((error as Error).message).not.toContain("a@example.com");
  });

  test("without methods, every method fails; plain properties still pass through", async () => {
    const { audit } = memoryStores();
    const broken = faulty(audit, { mode: "throw" });
    await expect(broken.write({ id: "e", type: "sign_in", outcome: "success", reason: "ok", at: new Date(), requestId: "r", userId: null, sessionRef: null, ip: null, userAgent: null })).rejects.toBeInstanceOf(StorageError);
    expect(broken.events).toEqual([]);
    expect(broken.consistency).toBe("atomic");
  });

  test("hang mode stays pending, then rejects with StorageError after hangMs", async () => {
    const { sessions } = memoryStores();
    const broken = faulty(sessions, { mode: "hang", methods: ["get"], hangMs: 50 });
    const started = Date.now();
    const pending = broken.get("s1");
    const first = await Promise.race([pending.then(() => "settled", () => "settled"), new Promise((r) => setTimeout(() => r("pending"), 10))]);
    expect(first).toBe("pending");
    await expect(pending).rejects.toBeInstanceOf(StorageError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(await broken.listByUser("u1")).toEqual([]);
  });
});
