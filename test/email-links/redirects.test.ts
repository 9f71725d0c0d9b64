import { describe, expect, test } from "vitest";
import { signUp } from "../helpers/harness.js";
import { askForLink, formPost, lastMail, setup, tokenOf } from "./fixture.js";

const ADA = "ada@example.com";

/** SECURITY.md "open redirects through callbackUrl/next": each must land on a same-origin default. */
const HOSTILE = [
  "//evil.test",
  "//evil.test/path",
  "/\\evil.test",
  "\\\\evil.test",
  "https:evil.test",
  "https://evil.test",
  "http://app.example@evil.test/",
  "//user:pass@evil.test",
  "/%2F%2Fevil.test",
  "/%2f/evil.test",
  "/%5Cevil.test",
  "/%252F%252Fevil.test",
  "/\t/evil.test",
  "/\n/evil.test",
  "javascript:alert(1)",
  "/./\\evil.test",
  "evil.test",
  "",
];

describe("the return path of a magic link (open-redirect defence)", () => {
  test.each(HOSTILE)("return %j lands on /", async (hostile) => {
    const env = setup({ verification: false });
    await signUp(env.auth, ADA);
    await askForLink(env.auth, ADA, { return: hostile });
    const response = await env.auth.handle(formPost("/auth/magic-link/verify", tokenOf(lastMail(env.mail, "magic_link", ADA))));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
  });

  test("a same-origin path with query and fragment survives, re-serialised", async () => {
    const env = setup({ verification: false });
    await signUp(env.auth, ADA);
    await askForLink(env.auth, ADA, { return: "/docs/a b?x=1&y=<2>#top" });
    const response = await env.auth.handle(formPost("/auth/magic-link/verify", tokenOf(lastMail(env.mail, "magic_link", ADA))));
    expect(response.headers.get("location")).toBe("/docs/a%20b?x=1&y=%3C2%3E#top");
  });

  test("a return value of the wrong type is refused as a bad request, not a crash", async () => {
    const env = setup({ verification: false });
    const response = await askForLink(env.auth, ADA, { return: { href: "//evil.test" } });
    expect(response.status).toBe(400);
  });
});
