import { afterEach, describe, expect, test, vi } from "vitest";
import type { Auth } from "../../src/create-auth.js";
import { jwtTokens } from "../../src/sessions/jwt.js";
import { makeHarness, request, signUp } from "../helpers/harness.js";

/**
 * The read path's budget: a warmed-up `authenticate()` makes exactly one
 * crypto.subtle call (the SHA-256 digest of an opaque token, or the signature
 * check of a JWT). Key imports happen once, when the keyring loads, never per
 * request. `npm run bench` prints the same count next to the timings.
 */

const SUBTLE_METHODS = [
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "digest",
  "generateKey",
  "deriveKey",
  "deriveBits",
  "importKey",
  "exportKey",
  "wrapKey",
  "unwrapKey",
] as const;

/** Spies on every crypto.subtle method (calling through) and returns the non-zero call counts. */
function spyOnSubtle(): () => Record<string, number> {
  const spies = SUBTLE_METHODS.filter((name) => typeof crypto.subtle[name] === "function").map(
    (name) => [name, vi.spyOn(crypto.subtle, name)] as const,
  );
  return () => Object.fromEntries(spies.filter(([, spy]) => spy.mock.calls.length > 0).map(([name, spy]) => [name, spy.mock.calls.length]));
}

async function countedAuthenticate(auth: Auth, cookie: string | null): Promise<{ authenticated: boolean; calls: Record<string, number> }> {
  // Warm-up: loads the keyring (importKey) and anything else a first request may cache.
  await auth.authenticate(request("/api/me", { cookie }));
  const calls = spyOnSubtle();
  const result = await auth.authenticate(request("/api/me", { cookie }));
  return { authenticated: result.authenticated, calls: calls() };
}

const JWT = { issuer: "https://auth.app.example", audience: "app.example" };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("crypto budget of authenticate()", () => {
  test("opaque session: exactly one crypto.subtle call (the digest)", async () => {
    const { auth } = makeHarness();
    const { cookie } = await signUp(auth);
    const { authenticated, calls } = await countedAuthenticate(auth, cookie);
    expect(authenticated).toBe(true);
    expect(calls).toEqual({ digest: 1 });
  });

  test.each([
    ["EdDSA", true],
    ["EdDSA", false],
    ["ES256", true],
  ] as const)("JWT session (%s, checkRevocation %s): exactly one crypto.subtle call (the verify)", async (algorithm, checkRevocation) => {
    const { auth } = makeHarness({ tokens: jwtTokens({ ...JWT, algorithm, checkRevocation }) });
    const { cookie } = await signUp(auth);
    expect(cookie.split("=")[1]!.split(".")).toHaveLength(3);
    const { authenticated, calls } = await countedAuthenticate(auth, cookie);
    expect(authenticated).toBe(true);
    expect(calls).toEqual({ verify: 1 });
  });

  test("the spies call through and are removed afterwards", async () => {
    const calls = spyOnSubtle();
    const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(32));
    expect(new Uint8Array(digest)).toHaveLength(32);
    expect(calls()).toEqual({ digest: 1 });
    vi.restoreAllMocks();
    expect(vi.isMockFunction(crypto.subtle.digest)).toBe(false);
  });

  test("a request without a token makes no crypto call", async () => {
    const { auth } = makeHarness();
    const { authenticated, calls } = await countedAuthenticate(auth, null);
    expect(authenticated).toBe(false);
    expect(calls).toEqual({});
  });
});

describe("crypto budget of sign-out", () => {
  test.each([
    ["opaque", undefined, { digest: 1 }],
    ["JWT", jwtTokens(JWT), { verify: 1 }],
  ] as const)("%s: the token is verified once; revoking reuses the verified session", async (_name, tokens, expected) => {
    const { auth } = makeHarness(tokens === undefined ? {} : { tokens });
    const { cookie } = await signUp(auth);
    await auth.authenticate(request("/api/me", { cookie })); // warm the keyring
    const calls = spyOnSubtle();
    const response = await auth.handle(request("/auth/sign-out", { method: "POST", cookie }));
    expect(response.status).toBe(204);
    expect(calls()).toEqual(expected);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(401);
  });
});
