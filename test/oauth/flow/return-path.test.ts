import { describe, expect, test } from "vitest";
import { call, makeFixture, passwordUser, profile, setCookie } from "./fixture.js";

/** Open redirectors (RFC 9700 4.11, the `callbackUrl` bug class): every one lands on "/". */
const HOSTILE = [
  "//evil.test",
  "//evil.test/path",
  "/\\evil.test",
  "\\/evil.test",
  "https:evil.test",
  "https://evil.test",
  "https://a@evil.test",
  "https://app.example@evil.test",
  "//app.example@evil.test",
  "/%2F%2Fevil.test",
  "/%2f%2fevil.test",
  "/%252F%252Fevil.test",
  "/%5Cevil.test",
  "/\t/evil.test",
  "/\n/evil.test",
  "javascript:alert(1)",
  "evil.test",
  "",
  "/".padEnd(3000, "a"),
];

async function landing(returnTo: string, intent: "sign_in" | "link"): Promise<string | null> {
  const fixture = makeFixture();
  if (intent === "sign_in") {
    const started = await call(fixture.auth, `/auth/oauth/google/start?return=${encodeURIComponent(returnTo)}`);
    const binding = setCookie(started, "__Host-portcullis-oauth")!.split(";")[0]!;
    const response = await call(fixture.auth, fixture.google.approve(started.headers.get("location")!, profile("g-1", "ada@example.com")), { cookie: binding });
    expect(response.status).toBe(303);
    return response.headers.get("location");
  }
  const local = await passwordUser(fixture.auth, "ada@example.com", false, fixture.stores);
  const started = await call(fixture.auth, `/auth/oauth/google/link?return=${encodeURIComponent(returnTo)}`, { method: "POST", cookie: local.cookie, headers: { accept: "application/json" } });
  const { url } = (await started.json()) as { url: string };
  const binding = setCookie(started, "__Host-portcullis-oauth")!.split(";")[0]!;
  const response = await call(fixture.auth, fixture.google.approve(url, profile("g-1", "ada@example.com")), { cookie: `${binding}; ${local.cookie}` });
  expect(response.status).toBe(303);
  return response.headers.get("location");
}

describe("the return path is same-origin or the default", () => {
  for (const intent of ["sign_in", "link"] as const) {
    for (const value of HOSTILE) {
      test(`${intent}: return=${JSON.stringify(value.length > 40 ? value.slice(0, 20) + "..." : value)} lands on /`, async () => {
        expect(await landing(value, intent)).toBe("/");
      });
    }
  }

  test("a missing return lands on /", async () => {
    const fixture = makeFixture();
    const started = await call(fixture.auth, "/auth/oauth/google/start");
    const binding = setCookie(started, "__Host-portcullis-oauth")!.split(";")[0]!;
    const response = await call(fixture.auth, fixture.google.approve(started.headers.get("location")!, profile("g-1", "ada@example.com")), { cookie: binding });
    expect(response.headers.get("location")).toBe("/");
  });

  test("same-origin paths survive, with query and dot segments resolved", async () => {
    expect(await landing("/app/orders?id=7#top", "sign_in")).toBe("/app/orders?id=7#top");
    expect(await landing("/a/../b", "sign_in")).toBe("/b");
    expect(await landing("/settings/accounts", "link")).toBe("/settings/accounts");
  });
});
