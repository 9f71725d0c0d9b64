import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey, type RemoteJWKSetOptions } from "jose";
import { systemClock, type Clock } from "../../core/context.js";
import { ConfigurationError } from "../../core/errors.js";
import type { AuthorizationUrlInput, CallbackInput, OAuthProfile, OAuthProvider } from "../../ports/oauth-provider.js";
import { checkAuthorizationInput, checkRedirectUri } from "./authorization-input.js";
import { checkProviderId, checkScopes, positiveNumber, requireText } from "./config.js";
import { createDiscovery, type OidcMetadata } from "./discovery.js";
import { OAuthError, providerErrorDetail } from "./errors.js";
import {
  assertAvailable,
  basicAuthorization,
  DEFAULT_TIMEOUT_MS,
  isLoopbackHttp,
  isRecord,
  requestJson,
  resolveFetch,
  type FetchLike,
} from "./http.js";
import { verifyIdToken } from "./id-token.js";

/** Asymmetric JWS algorithms jose verifies everywhere (Web Crypto). Never `none`, never HS*. */
const ASYMMETRIC_ALGORITHMS = new Set(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"]);

export type OidcTokenAuth = "client_secret_basic" | "client_secret_post";

export interface OidcProviderOptions {
  /** Route segment and credential namespace, `[a-z0-9-]{1,32}`. */
  id: string;
  /** Exactly as the provider's discovery document spells it (compared with `===`). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Must contain "openid". Default ["openid", "email", "profile"]. */
  scopes?: readonly string[];
  /** id_token signature allowlist. Default ["RS256", "ES256", "EdDSA", "PS256"]; `none` and HS* refused. */
  algorithms?: readonly string[];
  /** How the client authenticates at the token endpoint. Default "client_secret_basic". */
  tokenAuth?: OidcTokenAuth;
  /** For tests and proxies; also used for the JWKS (jose's `customFetch`). */
  fetch?: FetchLike;
  /** id_token `exp` / `iat` checks and the discovery TTL. Default the system clock. */
  clock?: Clock;
  /** How long the discovery document is reused. Default 3600. */
  discoveryTtlSeconds?: number;
  /** Bound on each call to the provider (discovery, token, JWKS). Default 10,000 ms. */
  timeoutMs?: number;
  /**
   * The JWKS cache (jose): an unknown `kid` refetches the key set at most once per cooldown, which
   * follows a provider's key rotation without letting forged `kid`s hammer its endpoint. Defaults
   * 30 s and 600 s. jose times these on the real clock, not `clock`.
   */
  jwks?: { cooldownSeconds?: number; cacheMaxAgeSeconds?: number };
  /** Allowed clock skew for `exp` / `iat`. Default 60. */
  clockToleranceSeconds?: number;
}

/** Provider-specific allowances that are not public options (e.g. Google's scheme-less `iss`). */
export interface OidcQuirks {
  extraIdTokenIssuers?: readonly string[];
}

const DEFAULT_SCOPES = ["openid", "email", "profile"];
const DEFAULT_ALGORITHMS = ["RS256", "ES256", "EdDSA", "PS256"];
/** The id_token comes from the token request we just made; an older one is a replay or a broken clock. */
const MAX_ID_TOKEN_AGE_SECONDS = 600;

function checkIssuer(id: string, issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigurationError(`OAuth provider "${id}": issuer must be an absolute URL`);
  }
  // OIDC Core 1 (Issuer Identifier): https, no query, no fragment; http only for a loopback test issuer.
  if ((url.protocol !== "https:" && !isLoopbackHttp(url)) || url.search !== "" || url.hash !== "" || issuer.includes("#") || issuer.includes("?")) {
    throw new ConfigurationError(`OAuth provider "${id}": issuer must be an https URL without query or fragment`);
  }
  return url;
}

function checkAlgorithms(id: string, algorithms: readonly string[]): string[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new ConfigurationError(`OAuth provider "${id}": algorithms must be a non-empty list`);
  for (const algorithm of algorithms) {
    if (typeof algorithm === "string" && (algorithm.toLowerCase() === "none" || algorithm.toUpperCase().startsWith("HS"))) {
      // RFC 8725 2.1 / 3.1: `none` and HMAC (keyed with the client secret) let anyone holding
      // the secret, or nobody at all, mint identities.
      throw new ConfigurationError(`OAuth provider "${id}": algorithm ${algorithm} is refused (only asymmetric signatures)`);
    }
    if (typeof algorithm !== "string" || !ASYMMETRIC_ALGORITHMS.has(algorithm)) {
      throw new ConfigurationError(`OAuth provider "${id}": unknown algorithm ${JSON.stringify(algorithm)}`);
    }
  }
  return [...new Set(algorithms)];
}

function profileFrom(sub: string, claims: Record<string, unknown>): OAuthProfile {
  const email = typeof claims.email === "string" && claims.email.length > 0 ? claims.email : null;
  return {
    subject: sub,
    email,
    // Only a literal `true`: a missing claim, "true" or 1 is not the provider asserting anything.
    emailVerified: email !== null && claims.email_verified === true,
    name: typeof claims.name === "string" && claims.name.length > 0 ? claims.name : null,
  };
}

/** RFC 9207 2.4: compare `iss` when present, demand it when the issuer advertises it. */
function checkCallbackIssuer(metadata: OidcMetadata, callbackIssuer: string | null): void {
  if (callbackIssuer !== null && callbackIssuer !== undefined) {
    if (callbackIssuer !== metadata.issuer) throw new OAuthError("issuer_mismatch", "the callback's iss is not this provider's issuer");
    return;
  }
  if (metadata.issParameterSupported) throw new OAuthError("issuer_missing", "the issuer sends iss in its responses but the callback has none");
}

/** Builds an OpenID Connect provider on discovery; see `OidcProviderOptions`. */
export function createOidcProvider(options: OidcProviderOptions, quirks: OidcQuirks = {}): OAuthProvider {
  const id = checkProviderId(options.id);
  const issuer = requireText(id, "issuer", options.issuer);
  const issuerUrl = checkIssuer(id, issuer);
  const clientId = requireText(id, "clientId", options.clientId);
  const clientSecret = requireText(id, "clientSecret", options.clientSecret);
  const scopes = checkScopes(id, options.scopes ?? DEFAULT_SCOPES);
  if (!scopes.includes("openid")) throw new ConfigurationError(`OAuth provider "${id}": scopes must include "openid"`);
  const algorithms = checkAlgorithms(id, options.algorithms ?? DEFAULT_ALGORITHMS);
  const tokenAuth = options.tokenAuth ?? "client_secret_basic";
  if (tokenAuth !== "client_secret_basic" && tokenAuth !== "client_secret_post") {
    throw new ConfigurationError(`OAuth provider "${id}": tokenAuth must be client_secret_basic or client_secret_post`);
  }
  const clock = options.clock ?? systemClock;
  const timeoutMs = Math.round(positiveNumber(id, "timeoutMs", options.timeoutMs, DEFAULT_TIMEOUT_MS));
  const clockToleranceSeconds = positiveNumber(id, "clockToleranceSeconds", options.clockToleranceSeconds, 60);
  const jwksOptions: RemoteJWKSetOptions = {
    timeoutDuration: timeoutMs,
    cooldownDuration: positiveNumber(id, "jwks.cooldownSeconds", options.jwks?.cooldownSeconds, 30) * 1000,
    cacheMaxAge: positiveNumber(id, "jwks.cacheMaxAgeSeconds", options.jwks?.cacheMaxAgeSeconds, 600) * 1000,
  };
  if (options.fetch !== undefined) jwksOptions[customFetch] = options.fetch;
  const doFetch = resolveFetch(options.fetch);
  const discovery = createDiscovery({
    issuer,
    allowLoopbackHttp: isLoopbackHttp(issuerUrl),
    fetch: doFetch,
    clock,
    ttlSeconds: positiveNumber(id, "discoveryTtlSeconds", options.discoveryTtlSeconds, 3600),
    timeoutMs,
  });
  const idTokenIssuers = [issuer, ...(quirks.extraIdTokenIssuers ?? [])];

  // One key set per jwks_uri: jose keeps its cache and cooldown inside it, so it must outlive a request.
  let keySet: { uri: string; keys: JWTVerifyGetKey } | null = null;
  function keysFor(metadata: OidcMetadata): JWTVerifyGetKey {
    if (keySet === null || keySet.uri !== metadata.jwksUri.href) {
      keySet = { uri: metadata.jwksUri.href, keys: createRemoteJWKSet(metadata.jwksUri, jwksOptions) };
    }
    return keySet.keys;
  }

  async function requestTokens(metadata: OidcMetadata, input: CallbackInput): Promise<string> {
    const what = "token request";
    const form = new URLSearchParams({
      grant_type: "authorization_code",
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.codeVerifier,
    });
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    if (tokenAuth === "client_secret_basic") {
      headers.authorization = basicAuthorization(clientId, clientSecret);
    } else {
      form.set("client_id", clientId);
      form.set("client_secret", clientSecret);
    }
    const answer = await requestJson(doFetch, metadata.tokenEndpoint.href, { method: "POST", headers, body: form.toString() }, what, timeoutMs);
    assertAvailable(answer, what);
    if (answer.status < 200 || answer.status > 299 || (isRecord(answer.body) && answer.body.error !== undefined)) {
      throw new OAuthError("token_exchange_failed", `${what}: the provider refused the code (${answer.status})`, providerErrorDetail(answer.body));
    }
    if (!isRecord(answer.body)) throw new OAuthError("invalid_response", `${what}: the answer is not a JSON object`);
    const idToken = answer.body.id_token;
    if (typeof idToken !== "string" || idToken.length === 0) throw new OAuthError("invalid_response", `${what}: the answer has no id_token`);
    return idToken;
  }

  return {
    id,
    kind: "oidc",

    async authorizationUrl(input: AuthorizationUrlInput): Promise<URL> {
      checkAuthorizationInput(input, true);
      const metadata = await discovery.get();
      const url = new URL(metadata.authorizationEndpoint);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("client_id", clientId);
      url.searchParams.set("redirect_uri", input.redirectUri);
      url.searchParams.set("scope", scopes.join(" "));
      url.searchParams.set("state", input.state);
      url.searchParams.set("nonce", input.nonce as string);
      url.searchParams.set("code_challenge", input.codeChallenge);
      url.searchParams.set("code_challenge_method", "S256");
      return url;
    },

    async exchange(input: CallbackInput): Promise<OAuthProfile> {
      checkRedirectUri(input.redirectUri, "exchange");
      const metadata = await discovery.get();
      // Before the code goes anywhere: a code meant for another issuer must not reach this one's token endpoint.
      checkCallbackIssuer(metadata, input.issuer);
      const idToken = await requestTokens(metadata, input);
      const { sub, payload } = await verifyIdToken(idToken, keysFor(metadata), {
        issuers: idTokenIssuers,
        clientId,
        algorithms,
        nonce: input.nonce,
        clock,
        clockToleranceSeconds,
        maxAgeSeconds: MAX_ID_TOKEN_AGE_SECONDS,
      });
      return profileFrom(sub, payload);
    },
  };
}

/** A generic OpenID Connect provider (kind "oidc") found through `${issuer}/.well-known/openid-configuration`. */
export function oidcProvider(options: OidcProviderOptions): OAuthProvider {
  return createOidcProvider(options);
}
