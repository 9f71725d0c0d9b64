import { describe, expect, test } from "vitest";
import { errorCode, makeHarness, request, signUp } from "../helpers/harness.js";

describe("ASVS 3.5: cross-site state changes are refused", () => {
  test.each([
    ["a foreign Origin", { origin: "https://evil.test" }],
    ["Origin: null", { origin: "null" }],
    ["Origin: null, Sec-Fetch-Site: same-site", { origin: "null", "sec-fetch-site": "same-site" }],
    ["Origin: null, Sec-Fetch-Site: cross-site", { origin: "null", "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["a look-alike origin", { origin: "https://app.example.evil.test" }],
    ["the right host on http", { origin: "http://app.example" }],
  ])("sign-out with %s is 403 and the session lives", async (_name, headers) => {
    const { auth } = makeHarness();
    const { cookie } = await signUp(auth);
    const response = await auth.handle(request("/auth/sign-out", { method: "POST", cookie, headers }));
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("csrf_rejected");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(200);
  });

  test("Origin: null is accepted only when the browser itself marks the request same-origin (a no-referrer page's own form)", async () => {
    const { auth } = makeHarness();
    const { cookie } = await signUp(auth);
    const response = await auth.handle(request("/auth/sign-out", { method: "POST", cookie, headers: { origin: "null", "sec-fetch-site": "same-origin" } }));
    expect(response.status).toBe(204);
  });

  test("login CSRF: a cross-site sign-in is refused before any credential check", async () => {
    const { auth, stores } = makeHarness();
    await signUp(auth);
    const before = stores.audit.events.length;
    const response = await auth.handle(
      request("/auth/sign-in", { body: { email: "ada@example.com", password: "correct horse battery" }, headers: { origin: "https://evil.test" } }),
    );
    expect(response.status).toBe(403);
    expect(stores.audit.events.length).toBe(before);
  });

  test.each([
    ["the same origin", { origin: "https://app.example", "sec-fetch-site": "same-origin" }],
    ["a trusted origin", { origin: "https://admin.example", "sec-fetch-site": "same-site" }],
    ["a non-browser client (no Origin, no Sec-Fetch-Site)", {}],
  ])("%s may sign out", async (_name, headers) => {
    const { auth } = makeHarness({ settings: { trustedOrigins: ["https://admin.example"] } });
    const { cookie } = await signUp(auth);
    const response = await auth.handle(request("/auth/sign-out", { method: "POST", cookie, headers }));
    expect(response.status).toBe(204);
  });
});
