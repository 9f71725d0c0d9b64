/**
 * The benchmark cases, shared by the Node runner (bench/run.ts imports this file
 * directly) and the workerd bench worker (bench/worker.ts, bundled by esbuild).
 *
 * Every case is set up once (sign-up, key import, token minting), then
 * `prepare()` builds the per-run inputs (Request objects are made inside the
 * run so workerd never reuses an I/O object across requests) and returns a
 * `run` closure plus a cheap `ok` check that the timing loop applies to every
 * iteration: a failed authentication aborts the bench instead of being timed.
 */
import { Hono } from "hono";
import { jwt as honoJwt } from "hono/jwt";
import { jwtVerify } from "jose";
import { memoryStores, type MemoryStores } from "../src/adapters/memory/index.js";
import { createAuth, type Auth } from "../src/create-auth.js";
import { pbkdf2Hasher } from "../src/credentials/password/index.js";
import { jwtTokens, SESSION_JWT_TYPE, type JWTTokensOptions } from "../src/sessions/jwt.js";
import { emailPassword } from "../src/credentials/password/index.js";

export const ORIGIN = "https://app.example";
const JWT = { issuer: "https://auth.app.example", audience: "app.example" };
export const EMAIL = "ada@example.com";
export const PASSWORD = "correct horse battery staple";

export type Group = "floor" | "portcullis" | "baseline";

export interface Iteration<R = unknown> {
  run(): Promise<R>;
  ok(result: R): boolean;
}

export interface BenchCase {
  name: string;
  group: Group;
  /** What one iteration includes, printed under the table. */
  note: string;
  prepare(): Iteration;
  /** Runs the case's input with a forged/tampered credential; true when it was rejected. */
  rejectsForgery(): Promise<boolean>;
}

export interface CaseSet {
  cases: BenchCase[];
  /** Cases that could not be set up in this runtime, with the reason. */
  unavailable: { name: string; group: Group; reason: string }[];
}

// ---------------------------------------------------------------------------
// Portcullis

async function portcullisSignUp(auth: Auth): Promise<string> {
  const response = await auth.handle(
    new Request(`${ORIGIN}/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD, name: "Ada" }),
    }),
  );
  if (response.status !== 201) throw new Error(`portcullis sign-up failed: ${response.status} ${await response.text()}`);
  const setCookie = response.headers.get("set-cookie");
  if (setCookie === null) throw new Error("portcullis sign-up: no set-cookie");
  return setCookie.split(";")[0]!;
}

interface PortcullisFixture {
  auth: Auth;
  stores: MemoryStores;
  cookie: string;
  token: string;
}

/** `jwt` undefined: the default opaque tokens. */
async function portcullis(jwt: JWTTokensOptions | undefined): Promise<PortcullisFixture> {
  const stores = memoryStores();
  // Real clock (systemClock), default settings otherwise; a cheap hasher because only sign-up hashes.
  const auth = createAuth({ stores, plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })], ...(jwt === undefined ? {} : { tokens: jwtTokens(jwt) }) });
  const cookie = await portcullisSignUp(auth);
  return { auth, stores, cookie, token: cookie.slice(cookie.indexOf("=") + 1) };
}

export function tamper(token: string): string {
  // Flip one character in the middle (inside the signature for JWTs, the random part for opaque tokens).
  const at = token.length - 8;
  const c = token[at] === "A" ? "B" : "A";
  return token.slice(0, at) + c + token.slice(at + 1);
}

function portcullisCase(name: string, note: string, fx: PortcullisFixture): BenchCase {
  const cookieName = fx.cookie.slice(0, fx.cookie.indexOf("="));
  return {
    name,
    group: "portcullis",
    note,
    prepare() {
      const request = new Request(`${ORIGIN}/api/me`, { headers: { cookie: fx.cookie } });
      return {
        run: () => fx.auth.authenticate(request),
        ok: (r) => (r as { authenticated: boolean }).authenticated === true,
      };
    },
    async rejectsForgery() {
      const forged = new Request(`${ORIGIN}/api/me`, { headers: { cookie: `${cookieName}=${tamper(fx.token)}` } });
      return (await fx.auth.authenticate(forged)).authenticated === false;
    },
  };
}

// ---------------------------------------------------------------------------
// Floors and set-up of all cases

/** floor-hmac: one HMAC-SHA256 verify of a 32-byte message, key imported once. */
export async function floorHmacCase(): Promise<BenchCase> {
  const subtle = crypto.subtle;
  const key = await subtle.importKey("raw", crypto.getRandomValues(new Uint8Array(32)), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  const message = crypto.getRandomValues(new Uint8Array(32));
  const signature = new Uint8Array(await subtle.sign("HMAC", key, message));
  const bad = signature.slice();
  bad[0]! ^= 1;
  return {
    name: "floor-hmac",
    group: "floor",
    note: "crypto.subtle.verify('HMAC', key, sig, 32-byte message), pre-imported key",
    prepare: () => ({ run: () => subtle.verify("HMAC", key, signature, message), ok: (r) => r === true }),
    rejectsForgery: async () => (await subtle.verify("HMAC", key, bad, message)) === false,
  };
}

/**
 * Everything except Better Auth, which needs `nodejs_compat` in workerd and so
 * lives in bench/cases-better-auth.ts (its own worker there).
 */
export async function setupCoreCases(): Promise<CaseSet> {
  const set: CaseSet = { cases: [await floorHmacCase()], unavailable: [] };
  const subtle = crypto.subtle;

  const opaque = await portcullis(undefined);
  const jwtOn = await portcullis({ ...JWT, algorithm: "EdDSA" });
  const jwtOff = await portcullis({ ...JWT, algorithm: "EdDSA", checkRevocation: false });
  const jwtEs = await portcullis({ ...JWT, algorithm: "ES256" });

  // floor-jose: a bare jwtVerify of the same JWT Portcullis issued, with the same checks (iss, aud, typ, alg).
  for (const [name, fx, alg, importParams] of [
    ["floor-jose", jwtOn, "EdDSA", { name: "Ed25519" }],
    ["floor-jose-es256", jwtEs, "ES256", { name: "ECDSA", namedCurve: "P-256" }],
  ] as const) {
    const [stored] = await fx.stores.keys.list();
    if (stored === undefined) throw new Error("no signing key after JWT sign-up");
    const publicKey = await subtle.importKey("jwk", stored.publicJwk, importParams, false, ["verify"]);
    const options = { issuer: JWT.issuer, audience: JWT.audience, typ: SESSION_JWT_TYPE, algorithms: [alg] };
    const token = fx.token;
    set.cases.push({
      name,
      group: "floor",
      note: `jose.jwtVerify(${alg} JWT, pre-imported public CryptoKey, { issuer, audience, typ, algorithms })`,
      prepare: () => ({ run: () => jwtVerify(token, publicKey, options), ok: (r) => typeof (r as { payload: { sid?: unknown } }).payload.sid === "string" }),
      rejectsForgery: () => jwtVerify(tamper(token), publicKey, options).then(() => false, () => true),
    });
  }

  set.cases.push(portcullisCase("portcullis-opaque", "auth.authenticate(request): cookie -> SHA-256 digest -> memory session get -> memory user get", opaque));
  set.cases.push(
    portcullisCase("portcullis-jwt", "auth.authenticate(request), JWT EdDSA, checkRevocation on: cookie -> Ed25519 verify -> claims -> memory session get", jwtOn),
  );
  set.cases.push(portcullisCase("portcullis-jwt-norevoke", "auth.authenticate(request), JWT EdDSA, checkRevocation off: cookie -> Ed25519 verify -> claims", jwtOff));
  set.cases.push(
    portcullisCase("portcullis-jwt-es256", "auth.authenticate(request), JWT ES256, checkRevocation on: cookie -> ECDSA P-256 verify -> claims -> session get", jwtEs),
  );

  // hono-jwt: hono/jwt middleware in a Hono app, same EdDSA token and pre-imported public key, read from the same cookie.
  {
    const [stored] = await jwtOn.stores.keys.list();
    const publicKey = await subtle.importKey("jwk", stored!.publicJwk, { name: "Ed25519" }, false, ["verify"]);
    const cookieName = jwtOn.cookie.slice(0, jwtOn.cookie.indexOf("="));
    const app = new Hono();
    app.use(
      "/api/*",
      honoJwt({ secret: publicKey, alg: "EdDSA", cookie: cookieName, verification: { iss: JWT.issuer, aud: JWT.audience, typ: SESSION_JWT_TYPE } }),
    );
    app.get("/api/me", (c) => c.text("ok"));
    const make = (cookie: string) => new Request(`${ORIGIN}/api/me`, { headers: { cookie } });
    const probe = await app.fetch(make(jwtOn.cookie));
    if (probe.status !== 200) throw new Error(`hono/jwt did not accept the token: ${probe.status} ${await probe.text()}`);
    set.cases.push({
      name: "hono-jwt",
      group: "baseline",
      note: "app.fetch(request) on a Hono app: routing + hono/jwt (EdDSA, pre-imported public CryptoKey, cookie, iss/aud/typ) + c.text('ok') Response; nothing subtracted",
      prepare() {
        const request = make(jwtOn.cookie);
        return { run: async () => app.fetch(request), ok: (r) => (r as Response).status === 200 };
      },
      rejectsForgery: async () => (await app.fetch(make(`${cookieName}=${tamper(jwtOn.token)}`))).status === 401,
    });
  }

  return set;
}

// ---------------------------------------------------------------------------
// Measurement helpers shared by both runtimes

/** Runs `n` sequentially awaited iterations; throws if any iteration is not authenticated. */
export async function loop(it: Iteration, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const result = await it.run();
    if (!it.ok(result)) throw new Error(`iteration ${i} failed its check`);
  }
}

export interface CryptoCount {
  total: number;
  byMethod: Record<string, number>;
}

/**
 * Counts crypto.subtle calls made while `fn` runs by wrapping every SubtleCrypto
 * method on the `crypto.subtle` instance (own properties shadowing the prototype),
 * then removing the wrappers. Not used while timing.
 */
export async function countCrypto(fn: () => Promise<unknown>): Promise<CryptoCount> {
  const subtle = crypto.subtle as unknown as Record<string, unknown>;
  const proto = Object.getPrototypeOf(subtle) as Record<string, unknown>;
  const names = Object.getOwnPropertyNames(proto).filter((n) => n !== "constructor" && typeof proto[n] === "function");
  const byMethod: Record<string, number> = {};
  let total = 0;
  for (const name of names) {
    const original = proto[name] as (...args: unknown[]) => unknown;
    Object.defineProperty(subtle, name, {
      configurable: true,
      writable: true,
      value(this: unknown, ...args: unknown[]) {
        total++;
        byMethod[name] = (byMethod[name] ?? 0) + 1;
        return original.apply(this, args);
      },
    });
  }
  try {
    await fn();
  } finally {
    for (const name of names) delete subtle[name];
  }
  return { total, byMethod };
}
