import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import { faulty } from "../../src/adapters/faulty.js";
import { mountAuth, portcullis, requireAuth, type PortcullisEnv } from "../../src/runtimes/hono.js";
import { makeHarness, request, signUp } from "../helpers/harness.js";

function app(harness = makeHarness()) {
  const hono = new Hono<PortcullisEnv>();
  mountAuth(hono, harness.auth);
  hono.use("/api/*", portcullis(harness.auth));
  hono.get("/api/public", (c) => c.json({ who: c.get("principal")?.email ?? null }));
  hono.get("/api/private", requireAuth(), (c) => c.json({ id: c.get("principal")!.id }));
  return { hono, harness };
}

describe("portcullis/hono", () => {
  test("mountAuth serves the HTTP surface and the middleware sets the principal", async () => {
    const { hono } = app();
    const signUpResponse = await hono.request(request("/auth/sign-up", { body: { email: "h@example.com", password: "correct horse battery" } }));
    expect(signUpResponse.status).toBe(201);
    const cookie = signUpResponse.headers.get("set-cookie")!.split(";")[0]!;
    expect(await (await hono.request(request("/api/public", { cookie }))).json()).toEqual({ who: "h@example.com" });
    expect(await (await hono.request(request("/api/public"))).json()).toEqual({ who: null });
  });

  test("requireAuth answers 401 to anonymous callers", async () => {
    const { hono, harness } = app();
    const { cookie } = await signUp(harness.auth);
    expect((await hono.request(request("/api/private"))).status).toBe(401);
    expect((await hono.request(request("/api/private", { cookie }))).status).toBe(200);
  });

  test("a failing session store is 503, never anonymous", async () => {
    const healthy = makeHarness();
    const { cookie } = await signUp(healthy.auth);
    const broken = makeHarness({ stores: { ...healthy.stores, sessions: faulty(healthy.stores.sessions, { mode: "throw" }) } });
    const { hono } = app(broken);
    expect((await hono.request(request("/api/public", { cookie }))).status).toBe(503);
  });
});
