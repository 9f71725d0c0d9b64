import { describe, expect, test } from "vitest";
import type { SettingsInput } from "../../src/core/settings.js";
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

describe("behind a proxy: request.url is not the public URL (next start, a TLS-terminating load balancer)", () => {
  // What the app sees: Next rebuilds request.url from its own bind address, a proxy forwards to
  // http://127.0.0.1:3000. The browser is on https://app.example.com.
  const INTERNAL = "http://localhost:3000";
  const PUBLIC = "https://app.example.com";

  async function signOutVia(settings: SettingsInput, headers: Record<string, string>): Promise<Response> {
    const { auth } = makeHarness({ settings });
    const { cookie } = await signUp(auth);
    return auth.handle(new Request(`${INTERNAL}/auth/sign-out`, { method: "POST", headers: { cookie, ...headers } }));
  }

  test("a same-origin browser post is accepted on the browser's word (Sec-Fetch-Site), even without publicOrigin", async () => {
    const response = await signOutVia({}, { origin: PUBLIC, "sec-fetch-site": "same-origin" });
    expect(response.status).toBe(204);
  });

  test("without Fetch Metadata (older browsers) the Origin must be settings.publicOrigin", async () => {
    expect((await signOutVia({ publicOrigin: PUBLIC }, { origin: PUBLIC })).status).toBe(204);
    // Without the setting there is nothing to compare with but request.url, which is not it.
    expect((await signOutVia({}, { origin: PUBLIC })).status).toBe(403);
  });

  test.each([
    ["a cross-site post", { origin: "https://evil.test", "sec-fetch-site": "cross-site" }],
    ["a same-site post from a sibling subdomain", { origin: "https://evil.app.example.com", "sec-fetch-site": "same-site" }],
    ["a foreign Origin without Fetch Metadata", { origin: "https://evil.test" }],
    ["the internal origin itself, which no browser uses", { origin: INTERNAL }],
  ])("%s is refused even with publicOrigin set", async (_name, headers) => {
    const response = await signOutVia({ publicOrigin: PUBLIC }, headers);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("csrf_rejected");
  });

  test("a trusted origin may post cross-site (trustedOrigins), and a user-typed request (Sec-Fetch-Site: none) passes", async () => {
    expect((await signOutVia({ publicOrigin: PUBLIC, trustedOrigins: ["https://admin.example.net"] }, { origin: "https://admin.example.net", "sec-fetch-site": "cross-site" })).status).toBe(204);
    expect((await signOutVia({ publicOrigin: PUBLIC }, { "sec-fetch-site": "none" })).status).toBe(204);
  });
});
