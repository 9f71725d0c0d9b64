/**
 * An OpenID issuer that lives in an injected `fetch` (no socket, so the tests run in Node and in
 * workerd): discovery, a JWKS and a token endpoint whose id_token each test crafts, for the
 * tokens a real provider never produces (unsigned, HS256, expired, wrong iss, unknown kid...).
 *
 *   const op = await craftedIssuer({ issuer: "https://op.example", clientId: "app" });
 *   oidcProvider({ ..., issuer: op.issuer, fetch: op.fetch });
 *   op.idToken = await op.sign({ ...op.claims(), nonce });   what the token endpoint returns next
 *   op.token = () => new Response(...)                       or replace the whole token answer
 *   op.discovery / op.discoveryAnswer / op.jwksAnswer        tweak the other endpoints
 *   op.counts.discovery / .jwks / .token, op.lastTokenRequest
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import type { FetchLike } from "../../../src/oauth/providers/index.js";

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface CraftedIssuer {
  readonly issuer: string;
  readonly clientId: string;
  fetch: FetchLike;
  /** The published JWKS, by kid; `keys[0]` signs by default. */
  keys: SigningKey[];
  discovery: Record<string, unknown>;
  /** Replaces the discovery answer entirely when set. */
  discoveryAnswer: (() => Response | Promise<Response>) | null;
  jwksAnswer: (() => Response | Promise<Response>) | null;
  /** What the token endpoint returns: by default 200 `{ id_token, access_token, token_type }`. */
  idToken: string;
  token: ((request: Request) => Response | Promise<Response>) | null;
  lastTokenRequest: { headers: Headers; form: URLSearchParams; redirect: RequestRedirect } | null;
  counts: { discovery: number; jwks: number; token: number };
  newKey(alg?: "RS256" | "ES256" | "EdDSA" | "PS256", kid?: string): Promise<SigningKey>;
  claims(overrides?: JWTPayload): JWTPayload;
  sign(claims: JWTPayload, options?: { key?: SigningKey; header?: Record<string, unknown> }): Promise<string>;
}

let kidCounter = 0;

async function makeKey(alg: "RS256" | "ES256" | "EdDSA" | "PS256", kid?: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
  kidCounter += 1;
  const id = kid ?? `crafted-${kidCounter}`;
  return { kid: id, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: id, alg, use: "sig" } };
}

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export async function craftedIssuer(options: { issuer: string; clientId: string; now?: () => Date }): Promise<CraftedIssuer> {
  const base = options.issuer.replace(/\/$/, "");
  const now = options.now ?? ((): Date => new Date());
  const op: CraftedIssuer = {
    issuer: options.issuer,
    clientId: options.clientId,
    keys: [await makeKey("RS256")],
    discovery: {
      issuer: options.issuer,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      jwks_uri: `${base}/jwks`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      id_token_signing_alg_values_supported: ["RS256", "ES256"],
    },
    discoveryAnswer: null,
    jwksAnswer: null,
    idToken: "",
    token: null,
    lastTokenRequest: null,
    counts: { discovery: 0, jwks: 0, token: 0 },
    newKey: makeKey,
    claims(overrides: JWTPayload = {}): JWTPayload {
      const iat = Math.floor(now().getTime() / 1000);
      return { iss: options.issuer, aud: options.clientId, sub: "user-1", iat, exp: iat + 300, email: "ada@example.com", email_verified: true, ...overrides };
    },
    async sign(claims: JWTPayload, signOptions = {}): Promise<string> {
      const key = signOptions.key ?? op.keys[0]!;
      return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...signOptions.header }).sign(key.privateKey);
    },
    async fetch(input, init): Promise<Response> {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (url.origin + url.pathname === `${base}/.well-known/openid-configuration`) {
        op.counts.discovery += 1;
        return op.discoveryAnswer ? op.discoveryAnswer() : json(op.discovery);
      }
      if (url.origin + url.pathname === `${base}/jwks`) {
        op.counts.jwks += 1;
        return op.jwksAnswer ? op.jwksAnswer() : json({ keys: op.keys.map((key) => key.publicJwk) });
      }
      if (url.origin + url.pathname === `${base}/token` && request.method === "POST") {
        op.counts.token += 1;
        op.lastTokenRequest = { headers: request.headers, form: new URLSearchParams(new TextDecoder().decode(await request.clone().arrayBuffer())), redirect: request.redirect };
        if (op.token) return op.token(request);
        return json({ access_token: "at-123", token_type: "Bearer", expires_in: 3600, id_token: op.idToken });
      }
      return json({ error: "not_found" }, 404);
    },
  };
  return op;
}
