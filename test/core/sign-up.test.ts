import { describe, expect, test } from "vitest";
import { errorCode, makeHarness, request, signUp } from "../helpers/harness.js";

describe("POST /auth/sign-up", () => {
  test("creates the user and answers 201 with a session cookie", async () => {
    const { auth, stores } = makeHarness();
    const response = await auth.handle(request("/auth/sign-up", { body: { email: " Ada@Example.COM ", password: "correct horse battery", name: "Ada" } }));
    expect(response.status).toBe(201);
    const body = (await response.json()) as { user: { email: string; name: string; emailVerified: boolean }; session: { expiresAt: string } };
    expect(body.user).toMatchObject({ email: "ada@example.com", name: "Ada", emailVerified: false });
    expect(Object.keys(body.user).sort()).toEqual(["email", "emailVerified", "id", "name"]);
    const cookie = response.headers.get("set-cookie")!;
    // ASVS 3.3.1 / 3.3.4: __Host- prefix, Secure, HttpOnly, SameSite, Path=/
    expect(cookie).toMatch(/^__Host-portcullis=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Lax; Secure$/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const user = await stores.users.findByEmail("ada@example.com");
    expect(user).not.toBeNull();
    const credentials = await stores.credentials.listByUser(user!.id);
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.secret).toMatch(/^\$pbkdf2-sha256\$/);
    expect(credentials[0]!.secret).not.toContain("correct horse");
    expect(stores.audit.events.map((e) => [e.type, e.outcome, e.reason])).toEqual([["sign_up", "success", "ok"]]);
  });

  test("a bearer client gets the token in the body and no cookie", async () => {
    const { auth } = makeHarness();
    const response = await auth.handle(request("/auth/sign-up", { body: { email: "b@example.com", password: "correct horse battery", transport: "bearer" } }));
    expect(response.status).toBe(201);
    expect(response.headers.get("set-cookie")).toBeNull();
    const body = (await response.json()) as { token: string; tokenType: string };
    expect(body.tokenType).toBe("Bearer");
    const session = await auth.handle(request("/auth/session", { bearer: body.token }));
    expect(session.status).toBe(200);
  });

  test("a taken email is 409 email_taken, audited, and the first account is untouched", async () => {
    const { auth, stores } = makeHarness();
    await signUp(auth, "ada@example.com");
    const response = await auth.handle(request("/auth/sign-up", { body: { email: "ADA@example.com", password: "another long password" } }));
    expect(response.status).toBe(409);
    expect(await errorCode(response)).toBe("email_taken");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(stores.audit.events.at(-1)).toMatchObject({ type: "sign_up", outcome: "failure", reason: "email_taken" });
  });

  test.each([
    ["ASVS 6.2.1 seven characters are too short", "1234567", 400, "password_too_short"],
    ["eight characters are enough", "12345678", 201, null],
    ["ASVS 6.2.9 64 characters are accepted", "x".repeat(64), 201, null],
    ["the configured maximum (256) is accepted", "y".repeat(256), 201, null],
    ["beyond the maximum is refused", "y".repeat(257), 400, "password_too_long"],
  ])("%s", async (_name, password, status, code) => {
    const { auth } = makeHarness();
    const response = await auth.handle(request("/auth/sign-up", { body: { email: "p@example.com", password } }));
    expect(response.status).toBe(status);
    if (code !== null) expect(await errorCode(response)).toBe(code);
  });

  test("no composition rules: a long all-lowercase passphrase is fine", async () => {
    const { auth } = makeHarness();
    const response = await auth.handle(request("/auth/sign-up", { body: { email: "p@example.com", password: "purple monkey dishwasher" } }));
    expect(response.status).toBe(201);
  });

  test("an oversized password is refused before any hashing", async () => {
    let hashed = 0;
    const base = makeHarness().hasher;
    const { auth } = makeHarness({ hasher: { ...base, id: base.id, needsRehash: base.needsRehash, verify: base.verify, hash: async (p) => (hashed++, base.hash(p)) } });
    const response = await auth.handle(request("/auth/sign-up", { body: { email: "p@example.com", password: "z".repeat(5000) } }));
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("password_too_long");
    expect(hashed).toBe(0);
  });

  test.each([
    ["comma-separated", "a@example.com,b@evil.test"],
    ["two @", "a@b@example.com"],
    ["fullwidth @ normalises into a second @", "a＠evil.test@example.com"],
    ["display name", "Ada <ada@example.com>"],
    ["no domain dot", "ada@localhost"],
    ["spaces", "ada lovelace@example.com"],
  ])("ASVS 6.2: invalid email (%s) is 400 invalid_email", async (_name, email) => {
    const { auth, stores } = makeHarness();
    const response = await auth.handle(request("/auth/sign-up", { body: { email, password: "correct horse battery" } }));
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("invalid_email");
    expect(stores.audit.events).toHaveLength(0);
  });

  test("fullwidth letters are NFKC-normalised to the same account", async () => {
    const { auth } = makeHarness();
    await signUp(auth, "ada@example.com");
    const response = await auth.handle(request("/auth/sign-up", { body: { email: "ＡＤＡ@example.com", password: "correct horse battery" } }));
    expect(response.status).toBe(409);
  });
});

describe("bad input changes nothing", () => {
  test.each([
    ["not JSON", "{email:", "application/json", 400, "invalid_json"],
    ["JSON but not an object", "[1,2]", "application/json", 400, "invalid_request"],
    ["missing password", JSON.stringify({ email: "a@example.com" }), "application/json", 400, "invalid_request"],
    ["wrong type", JSON.stringify({ email: 5, password: "x" }), "application/json", 400, "invalid_request"],
    ["a form body", "email=a%40example.com&password=xxxxxxxx", "application/x-www-form-urlencoded", 415, "unsupported_media_type"],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), "application/json", 400, "invalid_json"],
  ])("%s", async (_name, body, type, status, code) => {
    const { auth, stores } = makeHarness();
    const response = await auth.handle(new Request("https://app.example/auth/sign-up", { method: "POST", headers: { "content-type": type }, body }));
    expect(response.status).toBe(status);
    expect(await errorCode(response)).toBe(code);
    expect(await stores.users.findByEmail("a@example.com")).toBeNull();
  });

  test("a body over the limit is 413 even without Content-Length", async () => {
    const { auth } = makeHarness();
    const big = JSON.stringify({ email: "a@example.com", password: "p".repeat(20_000) });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const response = await auth.handle(
      new Request("https://app.example/auth/sign-up", { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe("payload_too_large");
  });

  test("a declared Content-Length over the limit is refused before reading", async () => {
    const { auth } = makeHarness();
    const response = await auth.handle(
      new Request("https://app.example/auth/sign-in", { method: "POST", headers: { "content-type": "application/json", "content-length": "999999" }, body: "{}" }),
    );
    expect(response.status).toBe(413);
  });

  test("unknown paths are 404 and wrong methods 405 with Allow", async () => {
    const { auth } = makeHarness();
    const missing = await auth.handle(request("/auth/nope"));
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe("not_found");
    const wrong = await auth.handle(request("/auth/sign-in"));
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
  });
});
