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

describe("mountAuth: the built-in pages", () => {
  test("GET {base}/sign-in is an HTML page; a form sign-up lands on the return path signed in", async () => {
    const { hono } = app();
    const page = await hono.request(request("/auth/sign-in?return=/api/public", { headers: { accept: "text/html" } }));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('action="/auth/sign-in"');
    const response = await hono.request(
      request("/auth/sign-up", {
        body: new URLSearchParams({ email: "f@example.com", password: "correct horse battery", return: "/api/public" }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://app.example", "sec-fetch-site": "same-origin" },
      }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/api/public");
    const cookie = response.headers.get("set-cookie")!.split(";")[0]!;
    expect(await (await hono.request(request("/api/public", { cookie }))).json()).toEqual({ who: "f@example.com" });
  });

  test("pages: false serves only the JSON endpoints", async () => {
    const harness = makeHarness();
    const hono = new Hono();
    mountAuth(hono, harness.auth, { pages: false });
    expect((await hono.request(request("/auth/sign-in", { headers: { accept: "text/html" } }))).status).toBe(405);
  });
});
