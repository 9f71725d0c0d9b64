import { describe, expect, test } from "vitest";
import { faulty } from "../../src/adapters/faulty.js";
import { StorageError } from "../../src/core/errors.js";
import type { AuditSink } from "../../src/ports/audit-sink.js";
import { errorCode, makeHarness, request, signUp } from "../helpers/harness.js";

const CREDENTIALS = { email: "ada@example.com", password: "correct horse battery" };

describe("a failing store fails closed", () => {
  test("sessions.create throws: sign-in is 503, no cookie, and the failure is audited", async () => {
    const healthy = makeHarness();
    await signUp(healthy.auth);
    const stores = { ...healthy.stores, sessions: faulty(healthy.stores.sessions, { mode: "throw", methods: ["create"] }) };
    const { auth } = makeHarness({ stores });
    const response = await auth.handle(request("/auth/sign-in", { body: CREDENTIALS }));
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe("storage_unavailable");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("retry-after")).toBe("5");
    expect(healthy.stores.audit.events.at(-1)).toMatchObject({ type: "sign_in", outcome: "failure", reason: "storage_unavailable" });
  });

  test("users.findByEmail hangs: sign-in is 503 once the store gives up", async () => {
    const healthy = makeHarness();
    await signUp(healthy.auth);
    const stores = { ...healthy.stores, users: faulty(healthy.stores.users, { mode: "hang", methods: ["findByEmail"], hangMs: 50 }) };
    const { auth } = makeHarness({ stores });
    const response = await auth.handle(request("/auth/sign-in", { body: CREDENTIALS }));
    expect(response.status).toBe(503);
  });

  test("sessions.get throws: authenticate() throws StorageError instead of answering anonymous", async () => {
    const healthy = makeHarness();
    const { cookie } = await signUp(healthy.auth);
    const stores = { ...healthy.stores, sessions: faulty(healthy.stores.sessions, { mode: "throw", methods: ["get"] }) };
    const { auth } = makeHarness({ stores });
    await expect(auth.authenticate(request("/x", { cookie }))).rejects.toBeInstanceOf(StorageError);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(503);
  });

  test("sign-up whose user store fails writes nothing and answers 503", async () => {
    const healthy = makeHarness();
    const stores = { ...healthy.stores, users: faulty(healthy.stores.users, { mode: "throw", methods: ["create"] }) };
    const { auth } = makeHarness({ stores });
    const response = await auth.handle(request("/auth/sign-up", { body: CREDENTIALS }));
    expect(response.status).toBe(503);
    expect(await healthy.stores.users.findByEmail("ada@example.com")).toBeNull();
  });
});

describe("a failing audit sink refuses the action", () => {
  const broken: AuditSink = { consistency: "atomic", write: () => Promise.reject(new Error("disk full")) };

  test("sign-in: 503 audit_unavailable, no cookie, no session left in the store", async () => {
    const healthy = makeHarness();
    await signUp(healthy.auth);
    const user = await healthy.stores.users.findByEmail("ada@example.com");
    await healthy.stores.sessions.deleteByUser(user!.id);
    const { auth } = makeHarness({ stores: { ...healthy.stores, audit: broken } });
    const response = await auth.handle(request("/auth/sign-in", { body: CREDENTIALS }));
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text).error.code).toBe("audit_unavailable");
    expect(text).not.toContain("disk full");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await healthy.stores.sessions.listByUser(user!.id)).toHaveLength(0);
  });

  test("sign-up: 503 and nothing half-written (no user, no credential, no session)", async () => {
    const healthy = makeHarness();
    const { auth } = makeHarness({ stores: { ...healthy.stores, audit: broken } });
    const response = await auth.handle(request("/auth/sign-up", { body: CREDENTIALS }));
    expect(response.status).toBe(503);
    expect(await healthy.stores.users.findByEmail("ada@example.com")).toBeNull();
    const retry = await healthy.auth.handle(request("/auth/sign-up", { body: CREDENTIALS }));
    expect(retry.status).toBe(201);
  });

  test("sign-in failure events too: a wrong password with a dead sink is 503, not 401", async () => {
    const healthy = makeHarness();
    await signUp(healthy.auth);
    const { auth } = makeHarness({ stores: { ...healthy.stores, audit: broken } });
    const response = await auth.handle(request("/auth/sign-in", { body: { ...CREDENTIALS, password: "wrong password" } }));
    expect(response.status).toBe(503);
  });

  test("sign-out still removes access, then reports the missing audit record", async () => {
    const healthy = makeHarness();
    const { cookie } = await signUp(healthy.auth);
    const { auth } = makeHarness({ stores: { ...healthy.stores, audit: broken } });
    const response = await auth.handle(request("/auth/sign-out", { method: "POST", cookie }));
    expect(response.status).toBe(503);
    expect(response.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await healthy.auth.handle(request("/auth/session", { cookie }))).status).toBe(401);
  });
});
