import { describe, expect, test } from "vitest";
import { pbkdf2Hasher } from "../../src/credentials/password/index.js";
import type { PasswordHasher } from "../../src/ports/password-hasher.js";
import { cookieFrom, errorCode, makeHarness, request, signUp } from "../helpers/harness.js";

const PASSWORD = "correct horse battery";

/** Counts hashing work: a verify, or a hash (the decoy's first use makes its hash instead of verifying). */
function counting(hasher: PasswordHasher): PasswordHasher & { verifies: number } {
  const counted = {
    id: hasher.id,
    verifies: 0,
    hash: (p: string) => (counted.verifies++, hasher.hash(p)),
    verify: (h: string, p: string) => (counted.verifies++, hasher.verify(h, p)),
    needsRehash: (h: string) => hasher.needsRehash(h),
  };
  return counted;
}

describe("POST /auth/sign-in", () => {
  test("right password: 200, a session cookie, an audit event", async () => {
    const { auth, stores } = makeHarness();
    await signUp(auth);
    const response = await auth.handle(request("/auth/sign-in", { body: { email: "ADA@example.com", password: PASSWORD } }));
    expect(response.status).toBe(200);
    const session = await auth.handle(request("/auth/session", { cookie: cookieFrom(response) }));
    expect(session.status).toBe(200);
    expect(stores.audit.events.at(-1)).toMatchObject({ type: "sign_in", outcome: "success", reason: "ok" });
  });

  test("ASVS 7.2.4: every sign-in gets a new session id, even when one is presented", async () => {
    const { auth } = makeHarness();
    const { cookie } = await signUp(auth);
    const again = await auth.handle(request("/auth/sign-in", { body: { email: "ada@example.com", password: PASSWORD }, cookie }));
    expect(cookieFrom(again)).not.toBe(cookie);
  });

  test("ASVS 6.3.8: unknown email and wrong password answer identically and do the same hashing work", async () => {
    const hasher = counting(makeHarness().hasher);
    const { auth, stores } = makeHarness({ hasher });
    await signUp(auth);
    hasher.verifies = 0;
    const wrong = await auth.handle(request("/auth/sign-in", { body: { email: "ada@example.com", password: "wrong password!" } }));
    const wrongVerifies = hasher.verifies;
    hasher.verifies = 0;
    const unknown = await auth.handle(request("/auth/sign-in", { body: { email: "nobody@example.com", password: "wrong password!" } }));
    const unknownVerifies = hasher.verifies;
    hasher.verifies = 0;
    const malformed = await auth.handle(request("/auth/sign-in", { body: { email: "not an email", password: "wrong password!" } }));
    expect(hasher.verifies).toBe(1);
    expect(wrongVerifies).toBe(1);
    expect(unknownVerifies).toBe(1);
    for (const response of [wrong, unknown, malformed]) {
      expect(response.status).toBe(401);
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    const [a, b, c] = await Promise.all([wrong.text(), unknown.text(), malformed.text()]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(JSON.parse(a)).toEqual({ error: { code: "invalid_credentials", message: "invalid email or password" } });
    expect(stores.audit.events.slice(-3).map((e) => [e.type, e.outcome, e.reason])).toEqual([
      ["sign_in", "failure", "invalid_credentials"],
      ["sign_in", "failure", "invalid_credentials"],
      ["sign_in", "failure", "invalid_credentials"],
    ]);
  });

  test("a password over the hard 4 KiB cap is refused without hashing", async () => {
    const hasher = counting(makeHarness().hasher);
    const { auth } = makeHarness({ hasher });
    const response = await auth.handle(request("/auth/sign-in", { body: { email: "ada@example.com", password: "z".repeat(5000) } }));
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("password_too_long");
    expect(hasher.verifies).toBe(0);
  });

  test("no truncation: a long password differing only near its end does not match", async () => {
    const { auth } = makeHarness();
    const long = "a".repeat(150) + "X" + "a".repeat(49);
    await signUp(auth, "long@example.com", long);
    const near = "a".repeat(150) + "Y" + "a".repeat(49);
    const response = await auth.handle(request("/auth/sign-in", { body: { email: "long@example.com", password: near } }));
    expect(response.status).toBe(401);
    const ok = await auth.handle(request("/auth/sign-in", { body: { email: "long@example.com", password: long } }));
    expect(ok.status).toBe(200);
  });

  test("a hash made with older parameters is replaced on sign-in", async () => {
    const old = pbkdf2Hasher({ iterations: 1000 });
    const first = makeHarness({ hasher: old });
    await signUp(first.auth);
    const upgraded = pbkdf2Hasher({ iterations: 2000 });
    const { auth, stores } = makeHarness({ stores: first.stores, hasher: upgraded });
    const user = await stores.users.findByEmail("ada@example.com");
    const before = (await stores.credentials.listByUser(user!.id, "password"))[0]!.secret;
    expect(before).toContain("i=1000");
    const response = await auth.handle(request("/auth/sign-in", { body: { email: "ada@example.com", password: PASSWORD } }));
    expect(response.status).toBe(200);
    const after = (await stores.credentials.listByUser(user!.id, "password"))[0]!.secret;
    expect(after).toContain("i=2000");
    const again = await auth.handle(request("/auth/sign-in", { body: { email: "ada@example.com", password: PASSWORD } }));
    expect(again.status).toBe(200);
  });
});

describe("password normalisation (RFC 8265 OpaqueString: NFC)", () => {
  test("a password typed in decomposed form matches the composed one", async () => {
    const { auth } = makeHarness();
    await signUp(auth, "u@example.com", "caf\u00e9 au lait s'il vous pla\u00eet");
    const decomposed = "cafe\u0301 au lait s'il vous plai\u0302t";
    const response = await auth.handle(request("/auth/sign-in", { body: { email: "u@example.com", password: decomposed } }));
    expect(response.status).toBe(200);
  });

  test("non-ASCII passwords are hashed whole: a different tail does not match", async () => {
    const { auth } = makeHarness();
    await signUp(auth, "j@example.com", "日本語パスワードです");
    const response = await auth.handle(request("/auth/sign-in", { body: { email: "j@example.com", password: "日本語パスワードでX" } }));
    expect(response.status).toBe(401);
  });
});
