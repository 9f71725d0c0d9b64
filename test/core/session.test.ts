import { describe, expect, test } from "vitest";
import { cookieFrom, errorCode, makeHarness, request, signUp } from "../helpers/harness.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("GET /auth/session and the read path", () => {
  test("cookie and bearer both authenticate; no token is 401", async () => {
    const { auth } = makeHarness();
    const { cookie } = await signUp(auth);
    const viaCookie = await auth.handle(request("/auth/session", { cookie }));
    expect(viaCookie.status).toBe(200);
    const body = (await viaCookie.json()) as { user: { email: string }; session: { amr: string[] } };
    expect(body.user.email).toBe("ada@example.com");
    expect(body.session.amr).toEqual(["pwd"]);
    const token = cookie.split("=")[1]!;
    expect((await auth.handle(request("/auth/session", { bearer: token }))).status).toBe(200);
    const none = await auth.handle(request("/auth/session"));
    expect(none.status).toBe(401);
    expect(await errorCode(none)).toBe("unauthenticated");
  });

  test("authenticate() returns the principal without a second crypto call", async () => {
    const { auth } = makeHarness();
    const { cookie } = await signUp(auth);
    const result = await auth.authenticate(request("/anything", { cookie }));
    expect(result).toMatchObject({ authenticated: true, source: "cookie", principal: { type: "user", email: "ada@example.com" } });
    expect(await auth.authenticate(request("/anything"))).toEqual({ authenticated: false, reason: "no_token" });
  });

  test.each([
    ["a flipped character", (t: string) => t.slice(0, -1) + (t.endsWith("A") ? "B" : "A")],
    ["a truncated token", (t: string) => t.slice(0, 20)],
    ["garbage", () => "%%%"],
    ["an empty value", () => ""],
  ])("ASVS 3.3: a tampered cookie (%s) is not a session", async (_name, tamper) => {
    const { auth } = makeHarness();
    const { cookie } = await signUp(auth);
    const [name, value] = cookie.split("=") as [string, string];
    const response = await auth.handle(request("/auth/session", { cookie: `${name}=${tamper(value)}` }));
    expect(response.status).toBe(401);
  });

  test("ASVS 7.3.1: the idle timeout ends an unused session", async () => {
    const { auth, clock } = makeHarness({ settings: { session: { idleTimeout: 3600, absoluteTimeout: 86_400 } } });
    const { cookie } = await signUp(auth);
    clock.advance(HOUR - 1000);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(200);
    clock.advance(HOUR - 1000); // activity slid the deadline forward
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(200);
    clock.advance(HOUR + 1);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(401);
  });

  test("ASVS 7.3.2: the absolute timeout ends a session however busy", async () => {
    const { auth, clock } = makeHarness({ settings: { session: { idleTimeout: 3600, absoluteTimeout: 4 * 3600 } } });
    const { cookie } = await signUp(auth);
    for (let i = 0; i < 7; i++) {
      clock.advance(HOUR / 2);
      expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(200);
    }
    clock.advance(HOUR / 2 + 1);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(401);
  });

  test("the idle deadline is written at most once per interval, not on every request", async () => {
    const { auth, stores, clock } = makeHarness({ settings: { session: { idleTimeout: DAY / 1000, absoluteTimeout: 30 * DAY / 1000 } } });
    const { cookie } = await signUp(auth);
    let touches = 0;
    const touch = stores.sessions.touch.bind(stores.sessions);
    stores.sessions.touch = async (id, at) => (touches++, touch(id, at));
    for (let i = 0; i < 10; i++) {
      clock.advance(10_000);
      await auth.authenticate(request("/x", { cookie }));
    }
    expect(touches).toBe(0);
    clock.advance(5 * 60_000);
    await auth.authenticate(request("/x", { cookie }));
    expect(touches).toBe(1);
  });
});

describe("POST /auth/sign-out", () => {
  test("ASVS 7.4.1: answers 204, clears the cookie, and the session is dead server-side", async () => {
    const { auth, stores } = makeHarness();
    const { cookie } = await signUp(auth);
    const user = await stores.users.findByEmail("ada@example.com");
    expect(await stores.sessions.listByUser(user!.id)).toHaveLength(1);
    const response = await auth.handle(request("/auth/sign-out", { method: "POST", cookie, headers: { origin: "https://app.example" } }));
    expect(response.status).toBe(204);
    expect(response.headers.get("set-cookie")).toBe("__Host-portcullis=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
    expect(await stores.sessions.listByUser(user!.id)).toHaveLength(0);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(401);
    expect(stores.audit.events.at(-1)).toMatchObject({ type: "sign_out", outcome: "success", userId: user!.id });
    expect(stores.audit.events.at(-1)!.sessionRef).toHaveLength(12);
  });

  test("signing out without a session is harmless", async () => {
    const { auth } = makeHarness();
    const response = await auth.handle(request("/auth/sign-out", { method: "POST" }));
    expect(response.status).toBe(204);
  });

  test("GET never changes state: GET /auth/sign-out is 405 and the session lives", async () => {
    const { auth } = makeHarness();
    const { cookie } = await signUp(auth);
    expect((await auth.handle(request("/auth/sign-out", { cookie }))).status).toBe(405);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(200);
  });
});
