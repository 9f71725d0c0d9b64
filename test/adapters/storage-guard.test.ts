/** The one guard every adapter's store calls go through, without a backend (Node and workerd). */
import { describe, expect, test } from "vitest";
import { createStorageGuard, credentialTaken, emailTaken, storageError, withDeadline } from "../../src/adapters/storage-guard.js";
import { AuthError, ConflictError, StorageError } from "../../src/core/errors.js";

const never = (): Promise<never> => new Promise<never>(() => {});

describe("createStorageGuard", () => {
  test("passes results through untouched", async () => {
    const guard = createStorageGuard({ label: "test", timeoutMs: 1000 });
    await expect(guard("users.get", async () => 42)).resolves.toBe(42);
  });

  test("a failure is StorageError '<label> <operation> failed' with the redacted cause", async () => {
    const failure = new Error("driver said: hidden@example.com");
    const safe = new Error("driver said something");
    const guard = createStorageGuard({ label: "test", redact: (error) => (error === failure ? safe : error) });
    const error: unknown = await guard("users.findByEmail", () => Promise.reject(failure)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toBe("test users.findByEmail failed");
    expect((error as StorageError).status).toBe(503);
    expect((error as StorageError).cause).toBe(safe);
  });

  test("without redact the cause is the error as thrown; a synchronous throw is caught too", async () => {
    const failure = new Error("KV GET failed");
    const guard = createStorageGuard({ label: "kv" });
    const error: unknown = await guard("sessions.get", () => {
      throw failure;
    }).catch((e: unknown) => e);
    expect((error as StorageError).message).toBe("kv sessions.get failed");
    expect((error as StorageError).cause).toBe(failure);
  });

  test("a recognised conflict is thrown instead; anything else stays a StorageError", async () => {
    const guard = createStorageGuard({ label: "test" });
    const conflict = (error: unknown): ConflictError | null => (error instanceof Error && error.message === "unique" ? emailTaken() : null);
    await expect(guard("users.create", () => Promise.reject(new Error("unique")), conflict)).rejects.toMatchObject({ code: "email_taken", status: 409 });
    await expect(guard("users.create", () => Promise.reject(new Error("other")), conflict)).rejects.toBeInstanceOf(StorageError);
    expect(credentialTaken()).toMatchObject({ code: "credential_taken", message: "credential already bound to an account" });
  });

  test("AuthErrors are wrapped by default and rethrown unchanged with authErrors: 'rethrow'", async () => {
    const own = storageError("kv", "sessions.get", new Error("malformed session record"));
    const wrapped: unknown = await createStorageGuard({ label: "redis" })("sessions.get", () => Promise.reject(own)).catch((e: unknown) => e);
    expect((wrapped as StorageError).message).toBe("redis sessions.get failed");
    expect((wrapped as StorageError).cause).toBe(own);
    const kept: unknown = await createStorageGuard({ label: "kv", authErrors: "rethrow" })("sessions.get", () => Promise.reject(own)).catch((e: unknown) => e);
    expect(kept).toBe(own);
    expect(kept).toBeInstanceOf(AuthError);
  });

  test("past the deadline: StorageError with a TIMEOUT cause, and no conflict is looked for", async () => {
    let asked = false;
    const guard = createStorageGuard({ label: "postgres", timeoutMs: 20 });
    const started = Date.now();
    const error: unknown = await guard("sessions.get", never, () => {
      asked = true;
      return null;
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((error as StorageError).message).toBe("postgres sessions.get failed");
    expect((error as StorageError).cause).toMatchObject({ code: "TIMEOUT", message: "no answer within 20 ms" });
    expect(asked).toBe(false);
  });
});

describe("withDeadline", () => {
  test("settles with the work when it is in time", async () => {
    await expect(withDeadline(async () => "done", 1000, () => new Error("late"))).resolves.toBe("done");
    await expect(withDeadline(() => Promise.reject(new Error("broken")), 1000, () => new Error("late"))).rejects.toThrow("broken");
  });

  test("rejects with what expired() returns, called once, when the work is late", async () => {
    let calls = 0;
    const late = new Error("late");
    await expect(
      withDeadline(never, 10, () => {
        calls += 1;
        return late;
      }),
    ).rejects.toBe(late);
    expect(calls).toBe(1);
  });
});
