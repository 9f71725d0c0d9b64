/**
 * The pipeline over real backends that have gone away (closed ports, nothing to mock):
 * every action answers 503 within a few seconds, issues no session, writes nothing
 * half-way, and the audit trail records the failure.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { postgresStores } from "../../src/adapters/postgres/index.js";
import { createRedisClient, redisStores } from "../../src/adapters/redis/index.js";
import { createAuth } from "../../src/create-auth.js";
import { StorageError } from "../../src/core/errors.js";
import { cookieFrom, fastHasher, request, signUp } from "../helpers/harness.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const CREDENTIALS = { email: "ada@example.com", password: "correct horse battery" };
// Port 1 on loopback: nothing listens there, so connections are refused at once.
const deadRedis = createRedisClient("redis://127.0.0.1:1", { connectTimeoutMs: 500, commandTimeoutMs: 500 });
const deadSql = postgres("postgres://postgres@127.0.0.1:1/test", { connect_timeout: 1, max: 1, onnotice: () => {} });

afterAll(async () => {
  await deadRedis.close();
  await deadSql.end({ timeout: 1 });
});

describe("a dead backend fails closed through the whole pipeline", () => {
  test("sessions on a dead Redis: sign-up is 503, no cookie, no account left, failure audited", async () => {
    const stores = { ...memoryStores(), sessions: redisStores(deadRedis).sessions };
    const auth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() })] });
    const started = Date.now();
    const response = await auth.handle(request("/auth/sign-up", { body: CREDENTIALS }));
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await stores.users.findByEmail("ada@example.com")).toBeNull();
    expect(stores.audit.events.at(-1)).toMatchObject({ type: "sign_up", outcome: "failure", reason: "storage_unavailable" });
    expect(await response.text()).not.toContain("127.0.0.1");
  });

  test("sessions on a dead Redis: authenticate() throws StorageError, GET /auth/session is 503", async () => {
    const healthy = memoryStores();
    const { cookie } = await signUp(createAuth({ stores: healthy, plugins: [emailPassword({ hasher: fastHasher() })] }));
    const auth = createAuth({ stores: { ...healthy, sessions: redisStores(deadRedis).sessions }, plugins: [emailPassword({ hasher: fastHasher() })] });
    await expect(auth.authenticate(request("/x", { cookie }))).rejects.toBeInstanceOf(StorageError);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(503);
  });

  test("users on a dead PostgreSQL: sign-in is 503 within the deadline and audited", async () => {
    const healthy = memoryStores();
    const dead = postgresStores(drizzle(deadSql), { timeoutMs: 1500 });
    const auth = createAuth({ stores: { ...healthy, users: dead.users, credentials: dead.credentials }, plugins: [emailPassword({ hasher: fastHasher() })] });
    const started = Date.now();
    const response = await auth.handle(request("/auth/sign-in", { body: CREDENTIALS }));
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(healthy.audit.events.at(-1)).toMatchObject({ type: "sign_in", outcome: "failure", reason: "storage_unavailable" });
  });

  test("a healthy control: the same stores with memory sessions sign in", async () => {
    const stores = memoryStores();
    const auth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() })] });
    const { response } = await signUp(auth);
    expect(cookieFrom(response)).toMatch(/^__Host-portcullis=/);
  });
});
