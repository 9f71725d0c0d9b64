/**
 * The tenant lives on the membership, not the user row; a session acts in the user's oldest
 * membership (one tenant per user in 0.3), and the principal and identity headers carry it.
 */
import { describe, expect, test } from "vitest";
import { faulty } from "../../src/adapters/faulty.js";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { fixedClock } from "../../src/core/context.js";
import { createAuth } from "../../src/create-auth.js";
import { identityHeaders } from "../../src/gateway/index.js";
import { jwtTokens } from "../../src/sessions/jwt.js";
import { cookieFrom, errorCode, fastHasher, makeHarness, request, signUp, START } from "../helpers/harness.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const PASSWORD = "correct horse battery";

async function signIn(auth: ReturnType<typeof makeHarness>["auth"], email = "ada@example.com"): Promise<Response> {
  return auth.handle(request("/auth/sign-in", { body: { email, password: PASSWORD } }));
}

describe("a session acts in the user's tenant", () => {
  test("no membership: the session, the principal and /session carry tenantId null, and no tenant header is sent", async () => {
    const { auth } = makeHarness();
    const { cookie } = await signUp(auth);
    const result = await auth.authenticate(request("/x", { cookie }));
    if (!result.authenticated || result.session === null) throw new Error("not signed in");
    expect(result.principal.tenantId).toBeNull();
    expect(result.session.tenantId).toBeNull();
    expect(identityHeaders(result.principal, result.session)).not.toHaveProperty("x-portcullis-tenant-id");
    const body = (await (await auth.handle(request("/auth/session", { cookie }))).json()) as { session: { tenantId: unknown } };
    expect(body.session.tenantId).toBeNull();
  });

  test("a member signs in into the oldest membership's tenant; principal, session record and headers agree", async () => {
    const { auth, stores, clock } = makeHarness();
    await signUp(auth);
    const user = (await stores.users.findByEmail("ada@example.com"))!;
    await stores.access.addMember({ principalId: user.id, tenantId: "globex", createdAt: new Date(clock.now().getTime() + 1000) });
    await stores.access.addMember({ principalId: user.id, tenantId: "acme", createdAt: clock.now() });
    const response = await signIn(auth);
    expect(response.status).toBe(200);
    const body = (await response.clone().json()) as { session: { tenantId: unknown } };
    expect(body.session.tenantId).toBe("acme");
    const result = await auth.authenticate(request("/x", { cookie: cookieFrom(response) }));
    if (!result.authenticated || result.session === null) throw new Error("not signed in");
    expect(result.principal.tenantId).toBe("acme");
    expect(result.session.tenantId).toBe("acme");
    expect((await stores.sessions.get(result.session.id))?.tenantId).toBe("acme");
    expect(identityHeaders(result.principal, result.session)["x-portcullis-tenant-id"]).toBe("acme");
  });

  test("the tenant is fixed at issue: a membership added later needs a new sign-in", async () => {
    const { auth, stores } = makeHarness();
    const { cookie } = await signUp(auth);
    const user = (await stores.users.findByEmail("ada@example.com"))!;
    await stores.access.addMember({ principalId: user.id, tenantId: "acme", createdAt: new Date(START) });
    const before = await auth.authenticate(request("/x", { cookie }));
    expect(before.authenticated && before.principal.tenantId).toBeNull();
    const after = await auth.authenticate(request("/x", { cookie: cookieFrom(await signIn(auth)) }));
    expect(after.authenticated && after.principal.tenantId).toBe("acme");
  });

  test("a failing access store at sign-in: 503, no session issued, the failure audited", async () => {
    const healthy = memoryStores();
    const { auth: setupAuth } = makeHarness({ stores: healthy });
    await signUp(setupAuth);
    const stores = { ...healthy, access: faulty(healthy.access, { mode: "throw", methods: ["membershipsOf"] }) };
    const { auth } = makeHarness({ stores });
    const user = (await healthy.users.findByEmail("ada@example.com"))!;
    const sessionsBefore = (await healthy.sessions.listByUser(user.id)).length;
    const response = await signIn(auth);
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe("storage_unavailable");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect((await healthy.sessions.listByUser(user.id)).length).toBe(sessionsBefore);
    expect(healthy.audit.events.at(-1)).toMatchObject({ type: "sign_in", outcome: "failure", reason: "storage_unavailable" });
  });
});

describe("JWT sessions carry the tenant as `tid`", () => {
  async function jwtAuth(checkRevocation: boolean) {
    const stores = memoryStores();
    const clock = fixedClock(START);
    const auth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() })], clock, tokens: jwtTokens({ issuer: "https://auth.app.example", audience: "app.example", checkRevocation }) });
    await auth.handle(request("/auth/sign-up", { body: { email: "ada@example.com", password: PASSWORD } }));
    const user = (await stores.users.findByEmail("ada@example.com"))!;
    await stores.access.addMember({ principalId: user.id, tenantId: "acme", createdAt: clock.now() });
    const response = await auth.handle(request("/auth/sign-in", { body: { email: "ada@example.com", password: PASSWORD, transport: "bearer" } }));
    const { token } = (await response.json()) as { token: string };
    return { auth, stores, token, user };
  }

  const payloadOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;

  test.each([true, false])("checkRevocation %s: the claim becomes principal.tenantId", async (checkRevocation) => {
    const { auth, token } = await jwtAuth(checkRevocation);
    expect(payloadOf(token).tid).toBe("acme");
    const result = await auth.authenticate(request("/x", { bearer: token }));
    expect(result.authenticated && result.principal.tenantId).toBe("acme");
    expect(result.authenticated && result.session?.tenantId).toBe("acme");
  });

  test("no tenant: no tid claim at all", async () => {
    const stores = memoryStores();
    const auth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() })], clock: fixedClock(START), tokens: jwtTokens({ issuer: "https://auth.app.example", audience: "app.example" }) });
    const response = await auth.handle(request("/auth/sign-up", { body: { email: "ada@example.com", password: PASSWORD, transport: "bearer" } }));
    const { token } = (await response.json()) as { token: string };
    expect(payloadOf(token)).not.toHaveProperty("tid");
  });

  test("with revocation checks, a token whose tid disagrees with its session record is refused", async () => {
    const { auth, stores, token, user } = await jwtAuth(true);
    // Sign-up issued a session too (no tenant then); take the tenant one the token names.
    const session = (await stores.sessions.listByUser(user.id)).find((s) => s.tenantId === "acme");
    // The record is the authority: rewrite it as if the session belonged to another tenant.
    await stores.sessions.delete(session!.id);
    await stores.sessions.create({ ...session!, tenantId: "globex" });
    expect((await auth.authenticate(request("/x", { bearer: token }))).authenticated).toBe(false);
  });
});

describe("service accounts never sign in", () => {
  test("a kind=service principal with a password credential is refused like a wrong password, and audited", async () => {
    const { auth, stores, clock } = makeHarness();
    await signUp(auth, "robot@example.com");
    const human = (await stores.users.findByEmail("robot@example.com"))!;
    const [credential] = await stores.credentials.listByUser(human.id);
    // Forge the worst case directly in the store: a service account that somehow holds a password.
    await stores.users.create({ id: "svc-1", kind: "service", email: "deploy-bot@service.invalid", emailVerified: false, name: "deploy bot", createdAt: clock.now() }, [
      { ...credential!, id: "cred-svc", userId: "svc-1" },
    ]);
    const response = await signIn(auth, "deploy-bot@service.invalid");
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe("invalid_credentials");
    expect(await stores.sessions.listByUser("svc-1")).toEqual([]);
    expect(stores.audit.events.at(-1)).toMatchObject({ type: "sign_in", outcome: "failure", reason: "not_a_person", userId: "svc-1" });
  });
});

describe("the reserved .invalid domain", () => {
  test.each(["deploy-bot@service.invalid", "ada@example.INVALID", "x@invalid"])("sign-up with %s is refused (400 invalid_email) and creates nothing", async (email) => {
    const { auth, stores } = makeHarness();
    const response = await auth.handle(request("/auth/sign-up", { body: { email, password: PASSWORD } }));
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("invalid_email");
    expect(await stores.users.findByEmail(email.toLowerCase())).toBeNull();
  });
});
