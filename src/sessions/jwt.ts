import { SignJWT } from "jose";
import * as v from "valibot";
import { ConfigurationError } from "../core/errors.js";
import type { RequestContext } from "../core/context.js";
import { toBase64Url } from "../core/encoding.js";
import type { UserPrincipal } from "../ports/principal.js";
import type { SessionRecord, SessionStore } from "../ports/session-store.js";
import type { IssuedToken, SessionInit, TokenStrategy, TokenStrategyProvider, VerifiedToken } from "../ports/token-strategy.js";
import { cachedHeaderParser, decodeJSON, verifyJWS } from "./jws.js";
import { createKeyring, type Keyring } from "./keyring.js";
import { checkLiveness, newSessionTimes, type SessionTimeouts } from "./timeouts.js";

/** Explicit typing (RFC 8725 3.11): a JWT minted for another purpose is never a session. */
export const SESSION_JWT_TYPE = "portcullis-session+jwt";

export interface JWTStrategyOptions {
  issuer: string;
  audience: string;
  checkRevocation: boolean;
  timeouts: SessionTimeouts;
}

/**
 * Sessions as signed JWTs that origins can verify themselves (JWKS). Every JWT
 * names a session record (`sid`); with `checkRevocation` (the default) verify
 * reads it, so sign-out, revocation and the idle timeout work as for opaque
 * sessions. Without it, verification is stateless and a token lives until `exp`.
 */
export function jwtStrategy(sessions: SessionStore, keyring: Keyring, options: JWTStrategyOptions): TokenStrategy {
  const readHeader = cachedHeaderParser();
  const resolveKey = (kid: string | undefined): ReturnType<Keyring["verificationKey"]> | null => (kid === undefined ? null : keyring.verificationKey(kid));

  async function claims(token: string, ctx: RequestContext): Promise<Record<string, unknown> | null> {
    const verified = await verifyJWS(token, resolveKey, readHeader);
    if (verified === null || verified.header.typ !== SESSION_JWT_TYPE) return null;
    const payload = decodeJSON(verified.payload);
    if (payload === null) return null;
    const now = Math.floor(ctx.clock.now().getTime() / 1000);
    if (payload.iss !== options.issuer || payload.aud !== options.audience) return null;
    if (typeof payload.exp !== "number" || payload.exp <= now) return null;
    if (typeof payload.nbf !== "number" || payload.nbf > now) return null;
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof payload.email !== "string") return null;
    return payload;
  }

  return {
    kind: "jwt",

    async issue(init: SessionInit, ctx: RequestContext): Promise<IssuedToken> {
      const session: SessionRecord = {
        id: toBase64Url(ctx.random.bytes(16)),
        userId: init.user.id,
        tenantId: init.tenantId,
        amr: [...init.amr],
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        ...newSessionTimes(ctx.clock.now(), options.timeouts),
      };
      const signing = await keyring.signingKey();
      const iat = Math.floor(session.createdAt.getTime() / 1000);
      const token = await new SignJWT({
        sid: session.id,
        email: init.user.email,
        email_verified: init.user.emailVerified,
        name: init.user.name,
        amr: session.amr,
        // Absent outside any tenant: no claim is smaller than a null one.
        ...(session.tenantId === null ? {} : { tid: session.tenantId }),
      })
        .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: SESSION_JWT_TYPE })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(init.user.id)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(Math.floor(session.expiresAt.getTime() / 1000))
        .sign(signing.key);
      await sessions.create(session);
      return { token, session };
    },

    async verify(token: string, ctx: RequestContext): Promise<VerifiedToken | null> {
      const payload = await claims(token, ctx);
      if (payload === null) return null;
      const principal: UserPrincipal = {
        type: "user",
        id: payload.sub as string,
        email: payload.email as string,
        emailVerified: payload.email_verified === true,
        name: typeof payload.name === "string" ? payload.name : null,
        tenantId: typeof payload.tid === "string" ? payload.tid : null,
      };
      if (!options.checkRevocation) {
        const exp = new Date((payload.exp as number) * 1000);
        const createdAt = new Date((typeof payload.iat === "number" ? payload.iat : 0) * 1000);
        const amr = Array.isArray(payload.amr) ? payload.amr.filter((m): m is string => typeof m === "string") : [];
        return {
          principal,
          session: { id: payload.sid as string, userId: principal.id, tenantId: principal.tenantId, createdAt, expiresAt: exp, idleExpiresAt: exp, amr, ip: null, userAgent: null },
        };
      }
      const session = await sessions.get(payload.sid as string);
      // The record is the authority: a token whose tenant differs from its session's was not issued by us.
      if (session === null || session.userId !== principal.id || session.tenantId !== principal.tenantId) return null;
      const liveness = checkLiveness(session, ctx.clock.now(), options.timeouts);
      if (!liveness.alive) return null;
      if (liveness.touchTo !== null) {
        await sessions.touch(session.id, liveness.touchTo);
        session.idleExpiresAt = liveness.touchTo;
      }
      return { session, principal };
    },

    async revoke(session: SessionRecord): Promise<void> {
      await sessions.delete(session.id);
    },
  };
}

const JWTOptionsSchema = v.strictObject({
  issuer: v.pipe(v.string(), v.minLength(1)),
  audience: v.pipe(v.string(), v.minLength(1)),
  algorithm: v.optional(v.picklist(["EdDSA", "ES256"]), "EdDSA"),
  /**
   * Check the session record behind every JWT (revocable sessions, idle timeout).
   * Off makes verification stateless: sign-out then cannot stop a copied token before it expires.
   */
  checkRevocation: v.optional(v.boolean(), true),
  /** Seconds imported keys are cached before the key store is read again. */
  keyCacheTtl: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(86_400)), 300),
});

export type JWTTokensOptions = v.InferInput<typeof JWTOptionsSchema>;

/**
 * Sessions as JWTs, injected into `createAuth({ tokens: jwtTokens({...}) })`.
 * Needs `stores.keys`; serves the public keys at `{basePath}/jwks.json`.
 */
export function jwtTokens(input: JWTTokensOptions): TokenStrategyProvider {
  const parsed = v.safeParse(JWTOptionsSchema, input);
  if (!parsed.success) {
    const lines = parsed.issues.map((issue) => `jwt.${v.getDotPath(issue) ?? "options"}: ${issue.message}`);
    throw new ConfigurationError(`invalid JWT options: ${lines.join("; ")}`);
  }
  const options = parsed.output;
  return {
    kind: "jwt",
    create({ sessions, keys, clock, timeouts }) {
      if (keys === undefined) throw new ConfigurationError("jwtTokens requires stores.keys");
      const keyring = createKeyring(keys, { algorithm: options.algorithm, cacheTtlMs: options.keyCacheTtl * 1000, clock });
      return {
        strategy: jwtStrategy(sessions, keyring, { ...options, timeouts }),
        routes: [
          {
            method: "GET",
            path: "/jwks.json",
            async handle(): Promise<Response> {
              return new Response(JSON.stringify(await keyring.jwks()), {
                headers: { "content-type": "application/jwk-set+json", "cache-control": "public, max-age=300" },
              });
            },
          },
        ],
      };
    },
  };
}
