import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { Clock } from "../../core/context.js";
import { timingSafeEqual, utf8 } from "../../core/encoding.js";
import { OAuthError } from "./errors.js";

export interface IdTokenExpectations {
  /** The `iss` values accepted (the configured issuer; Google also uses its host without scheme). */
  issuers: readonly string[];
  clientId: string;
  algorithms: readonly string[];
  /** The nonce this transaction sent; null means the flow lost it, which fails closed. */
  nonce: string | null;
  clock: Clock;
  clockToleranceSeconds: number;
  maxAgeSeconds: number;
}

/** The checked claims an OpenID profile is built from. */
export interface IdTokenClaims {
  sub: string;
  payload: JWTPayload;
}

/**
 * A JWKS that cannot be fetched is the provider being down, not the token being bad: the
 * distinction tells the flow whether "try again" makes sense.
 */
function isKeyFetchFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout) return true;
  if (!(error instanceof errors.JOSEError)) return true;
  // jose raises the generic code for a non-200 JWKS answer.
  return error.code === "ERR_JOSE_GENERIC";
}

function rejected(error: unknown): OAuthError {
  if (isKeyFetchFailure(error)) return new OAuthError("provider_unavailable", "id_token: the issuer's signing keys could not be fetched");
  const joseError = error as InstanceType<typeof errors.JOSEError> & { claim?: unknown };
  // jose's codes and claim names are fixed strings; its errors' `payload` (the whole token) is left behind.
  const claim = typeof joseError.claim === "string" ? `: ${joseError.claim}` : "";
  return new OAuthError("id_token_invalid", `id_token rejected (${joseError.code}${claim})`, { check: joseError.code });
}

/** RFC 8725 3.11: another kind of JWT (an RFC 9068 `at+jwt`, a logout token) is never an id_token. */
function isIdTokenTyp(typ: unknown): boolean {
  if (typ === undefined) return true;
  return typeof typ === "string" && ["jwt", "application/jwt"].includes(typ.toLowerCase());
}

/**
 * OIDC Core 3.1.3.7 with jose: signature by a key from the issuer's JWKS under an algorithm
 * allowlist (never `none` or HS*), `iss`, `aud` contains the client, `azp` when several audiences,
 * `exp` and `iat` (not older than maxAgeSeconds: the token was minted by the request we just
 * made), `sub`, then `nonce` equal to the one this transaction sent.
 */
export async function verifyIdToken(idToken: string, keys: JWTVerifyGetKey, expected: IdTokenExpectations): Promise<IdTokenClaims> {
  let payload: JWTPayload;
  try {
    const verified = await jwtVerify(idToken, keys, {
      issuer: [...expected.issuers],
      audience: expected.clientId,
      algorithms: [...expected.algorithms],
      currentDate: expected.clock.now(),
      clockTolerance: expected.clockToleranceSeconds,
      maxTokenAge: expected.maxAgeSeconds,
      requiredClaims: ["iss", "sub", "aud", "exp", "iat"],
    });
    if (!isIdTokenTyp(verified.protectedHeader.typ)) {
      throw new OAuthError("id_token_invalid", "id_token rejected (typ: not an id_token)", { check: "typ" });
    }
    payload = verified.payload;
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw rejected(error);
  }

  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (payload.azp !== undefined || audiences.length > 1) {
    if (payload.azp !== expected.clientId) throw new OAuthError("id_token_invalid", "id_token rejected (azp)", { check: "azp" });
  }
  const sub = payload.sub;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > 255) {
    throw new OAuthError("id_token_invalid", "id_token rejected (sub)", { check: "sub" });
  }
  if (expected.nonce === null || expected.nonce.length === 0) {
    throw new OAuthError("nonce_mismatch", "id_token: no nonce was expected for this sign-in");
  }
  // Constant time like every other secret we hold: the nonce is what ties the token to this browser's flow.
  if (typeof payload.nonce !== "string" || !timingSafeEqual(utf8(payload.nonce), utf8(expected.nonce))) {
    throw new OAuthError("nonce_mismatch", "id_token: the nonce does not match this sign-in");
  }
  return { sub, payload };
}
