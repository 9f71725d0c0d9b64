import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from "jose";
import { describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { fixedClock } from "../../src/core/context.js";
import { fromBase64Url, toBase64Url, utf8 } from "../../src/core/encoding.js";
import { createAuth } from "../../src/create-auth.js";
import { jwtTokens, SESSION_JWT_TYPE } from "../../src/sessions/jwt.js";
import { cookieFrom, fastHasher, request, START } from "../helpers/harness.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const JWT_SETTINGS = { issuer: "https://auth.app.example", audience: "app.example" };

async function jwtHarness(options: { checkRevocation?: boolean; algorithm?: "EdDSA" | "ES256" } = {}) {
  const stores = memoryStores();
  const clock = fixedClock(START);
  const auth = createAuth({
    stores,
    plugins: [emailPassword({ hasher: fastHasher() })],
    clock,
    tokens: jwtTokens({ ...JWT_SETTINGS, ...options }),
  });
  const response = await auth.handle(request("/auth/sign-up", { body: { email: "ada@example.com", password: "correct horse battery", transport: "bearer" } }));
  const { token } = (await response.json()) as { token: string };
  const jwks = (await (await auth.handle(request("/auth/jwks.json"))).json()) as { keys: JWK[] };
  const [stored] = await stores.keys.list();
  return { auth, stores, clock, token, jwks, stored: stored! };
}

function split(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } {
  const [h, p, signature] = token.split(".") as [string, string, string];
  const decode = (part: string) => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
  return { header: decode(h), payload: decode(p), signature };
}

const b64json = (value: unknown): string => toBase64Url(utf8(JSON.stringify(value)));

async function accepted(auth: { authenticate(r: Request): Promise<{ authenticated: boolean }> }, token: string): Promise<boolean> {
  return (await auth.authenticate(request("/x", { bearer: token }))).authenticated;
}

describe("JWT sessions", () => {
  test.each(["EdDSA", "ES256"] as const)("%s: our token verifies with a bare jose.jwtVerify against our JWKS", async (algorithm) => {
    const { token, jwks, auth, clock } = await jwtHarness({ algorithm });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: jwks.keys }), {
      issuer: JWT_SETTINGS.issuer,
      audience: JWT_SETTINGS.audience,
      typ: SESSION_JWT_TYPE,
      currentDate: clock.now(),
      algorithms: [algorithm],
    });
    expect(protectedHeader).toMatchObject({ alg: algorithm, typ: SESSION_JWT_TYPE });
    expect(protectedHeader.kid).toBe(jwks.keys[0]!.kid);
    expect(payload).toMatchObject({ email: "ada@example.com", amr: ["pwd"] });
    expect(typeof payload.sid).toBe("string");
    expect(await accepted(auth, token)).toBe(true);
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  test("ASVS 9.1.2: alg none is refused, even with the kid of a real key", async () => {
    const { auth, token } = await jwtHarness();
    const { header, payload } = split(token);
    expect(await accepted(auth, `${b64json({ ...header, alg: "none" })}.${b64json(payload)}.`)).toBe(false);
    expect(await accepted(auth, `${b64json({ ...header, alg: "none" })}.${b64json(payload)}`)).toBe(false);
  });

  test("key confusion: HS256 signed with the public key as the HMAC secret is refused", async () => {
    const { auth, token, jwks } = await jwtHarness({ algorithm: "ES256" });
    const { header, payload } = split(token);
    for (const secret of [utf8(JSON.stringify(jwks.keys[0])), utf8(jwks.keys[0]!.x!)]) {
      const forged = await new SignJWT(payload).setProtectedHeader({ ...header, alg: "HS256" }).sign(secret);
      expect(await accepted(auth, forged)).toBe(false);
    }
  });

  test("a token signed by a key we never issued is refused, with or without our kid", async () => {
    const { auth, token } = await jwtHarness();
    const { header, payload } = split(token);
    const { privateKey, publicKey } = await generateKeyPair("EdDSA", { extractable: true });
    const forged = await new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(privateKey);
    expect(await accepted(auth, forged)).toBe(false);
    const embedded = await new SignJWT(payload)
      .setProtectedHeader({ alg: "EdDSA", typ: SESSION_JWT_TYPE, kid: "attacker", jwk: (await exportJWK(publicKey)) as never })
      .sign(privateKey);
    expect(await accepted(auth, embedded)).toBe(false);
  });

  test.each([
    ["expired", (p: Record<string, unknown>, now: number) => ({ ...p, exp: now - 1 })],
    ["not yet valid", (p: Record<string, unknown>, now: number) => ({ ...p, nbf: now + 60 })],
    ["wrong audience", (p: Record<string, unknown>) => ({ ...p, aud: "other.example" })],
    ["wrong issuer", (p: Record<string, unknown>) => ({ ...p, iss: "https://evil.test" })],
    ["no subject", (p: Record<string, unknown>) => ({ ...p, sub: undefined })],
  ])("ASVS 9.2: a correctly signed but %s token is refused", async (_name, change) => {
    const { auth, token, stored, clock } = await jwtHarness();
    const { header, payload } = split(token);
    const key = await crypto.subtle.importKey("jwk", stored.privateJwk, { name: "Ed25519" }, false, ["sign"]);
    const now = Math.floor(clock.now().getTime() / 1000);
    const resigned = await new SignJWT(change(payload, now)).setProtectedHeader(header as { alg: string }).sign(key);
    expect(await accepted(auth, resigned)).toBe(false);
    const control = await new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key);
    expect(await accepted(auth, control)).toBe(true);
  });

  test("RFC 8725 3.11: a JWT of another type (or with crit) is never a session", async () => {
    const { auth, token, stored } = await jwtHarness();
    const { header, payload } = split(token);
    const key = await crypto.subtle.importKey("jwk", stored.privateJwk, { name: "Ed25519" }, false, ["sign"]);
    for (const h of [{ ...header, typ: "JWT" }, { ...header, typ: "magic-link+jwt" }]) {
      const other = await new SignJWT(payload).setProtectedHeader(h as { alg: string }).sign(key);
      expect(await accepted(auth, other)).toBe(false);
    }
    // jose will not sign an unknown crit extension, so sign this one by hand.
    const input = `${b64json({ ...header, crit: ["x-ext"], "x-ext": 1 })}.${b64json(payload)}`;
    const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, utf8(input)));
    expect(await accepted(auth, `${input}.${toBase64Url(signature)}`)).toBe(false);
    const plain = `${b64json(header)}.${b64json(payload)}`;
    const control = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, utf8(plain)));
    expect(await accepted(auth, `${plain}.${toBase64Url(control)}`)).toBe(true);
  });

  test("a tampered payload or signature is refused", async () => {
    const { auth, token } = await jwtHarness();
    const [h, p, s] = token.split(".") as [string, string, string];
    const { payload } = split(token);
    expect(await accepted(auth, `${h}.${b64json({ ...payload, sub: "someone-else" })}.${s}`)).toBe(false);
    const signature = fromBase64Url(s);
    signature[10]! ^= 0x01;
    expect(await accepted(auth, `${h}.${p}.${toBase64Url(signature)}`)).toBe(false);
    // The same signature spelled with non-zero padding bits in its last character.
    const last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".indexOf(s.at(-1)!);
    const respelled = s.slice(0, -1) + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last | 1]!;
    if (respelled !== s) expect(await accepted(auth, `${h}.${p}.${respelled}`)).toBe(false);
    expect(await accepted(auth, `${h}.${p}`)).toBe(false);
    expect(await accepted(auth, `${h}.${p}.${s}.x`)).toBe(false);
  });

  test("ASVS 7.4.1: sign-out revokes the JWT server-side", async () => {
    const { auth, token } = await jwtHarness();
    expect((await auth.handle(request("/auth/sign-out", { method: "POST", bearer: token }))).status).toBe(204);
    expect(await accepted(auth, token)).toBe(false);
  });

  test("with checkRevocation off, verification is stateless and a signed-out token lives until exp (documented)", async () => {
    const { auth, token, stores } = await jwtHarness({ checkRevocation: false });
    const get = stores.sessions.get;
    let reads = 0;
    stores.sessions.get = (id) => (reads++, get(id));
    expect(await accepted(auth, token)).toBe(true);
    expect(reads).toBe(0);
    await auth.handle(request("/auth/sign-out", { method: "POST", bearer: token }));
    expect(await accepted(auth, token)).toBe(true);
  });

  test("the absolute timeout is the JWT's exp", async () => {
    const { auth, token, clock } = await jwtHarness({ checkRevocation: false });
    clock.advance(30 * 86_400_000);
    expect(await accepted(auth, token)).toBe(false);
  });

  test("browser clients get the JWT in the __Host- cookie", async () => {
    const stores = memoryStores();
    const auth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() })], tokens: jwtTokens(JWT_SETTINGS) });
    const response = await auth.handle(request("/auth/sign-up", { body: { email: "c@example.com", password: "correct horse battery" } }));
    const cookie = cookieFrom(response);
    expect(cookie.split("=")[1]!.split(".")).toHaveLength(3);
    expect((await auth.handle(request("/auth/session", { cookie }))).status).toBe(200);
  });

  test("JWT options are validated when the strategy is built", () => {
    expect(() => jwtTokens({ issuer: "", audience: "a" })).toThrow(/jwt.issuer/);
    expect(() => jwtTokens({ issuer: "i", audience: "a", algorithm: "HS256" as never })).toThrow(/jwt.algorithm/);
    const { keys: _omit, ...stores } = memoryStores();
    expect(() => createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() })], tokens: jwtTokens(JWT_SETTINGS) })).toThrow(/requires stores.keys/);
  });

  test("concurrent first sign-ins share one generated signing key", async () => {
    const stores = memoryStores();
    const auth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() })], tokens: jwtTokens(JWT_SETTINGS) });
    const responses = await Promise.all(
      [1, 2, 3, 4].map((n) => auth.handle(request("/auth/sign-up", { body: { email: `u${n}@example.com`, password: "correct horse battery" } }))),
    );
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(await stores.keys.list()).toHaveLength(1);
  });

  test("the JWKS is only served with the JWT strategy", async () => {
    const stores = memoryStores();
    const auth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() })] });
    expect((await auth.handle(request("/auth/jwks.json"))).status).toBe(404);
  });
});
