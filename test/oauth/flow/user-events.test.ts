/**
 * An account made by an OAuth callback is a sign-up like any other: plugins listening for
 * `signed_up` (the verification mail) hear of it, and `requireVerifiedEmail` applies.
 */
import { describe, expect, test } from "vitest";
import { emailVerification } from "../../../src/email-links/index.js";
import { devMailer } from "../../../src/mail/index.js";
import { errorOf, makeFixture, profile, signInWith } from "./fixture.js";

describe("OAuth sign-ups and the email plugins", () => {
  test("a new account with an unverified provider email gets the verification mail", async () => {
    const mail = devMailer({ console: false });
    const fixture = makeFixture({ plugins: [emailVerification({ mailer: mail, minResponseMs: 0 })] });
    const { response } = await signInWith(fixture, fixture.google, profile("g-1", "ada@example.com", false));
    expect(response.status).toBe(303);
    expect(mail.messages().map((m) => [m.kind, m.to])).toEqual([["verify_email", "ada@example.com"]]);
  });

  test("a verified provider email sends nothing", async () => {
    const mail = devMailer({ console: false });
    const fixture = makeFixture({ plugins: [emailVerification({ mailer: mail, minResponseMs: 0 })] });
    await signInWith(fixture, fixture.google, profile("g-1", "ada@example.com", true));
    expect(mail.messages()).toEqual([]);
  });

  test("requireVerifiedEmail: an unverified provider email creates the account but no session", async () => {
    const fixture = makeFixture({ settings: { requireVerifiedEmail: true } });
    const { response } = await signInWith(fixture, fixture.google, profile("g-1", "ada@example.com", false));
    expect((await errorOf(response)).code).toBe("email_not_verified");
    const user = await fixture.stores.users.findByEmail("ada@example.com");
    expect(user?.emailVerified).toBe(false);
    expect(await fixture.stores.sessions.listByUser(user!.id)).toEqual([]);
  });
});
