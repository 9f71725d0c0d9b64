import type { Clock } from "../../core/context.js";
import { OAuthError } from "./errors.js";
import { assertAvailable, isRecord, requestJson, secureEndpoint, type FetchLike } from "./http.js";

/** What the client uses from an OpenID Provider's configuration, already checked. */
export interface OidcMetadata {
  issuer: string;
  authorizationEndpoint: URL;
  tokenEndpoint: URL;
  jwksUri: URL;
  /** RFC 9207: the issuer puts `iss` in every authorization response, so its absence is an attack. */
  issParameterSupported: boolean;
}

export interface DiscoveryOptions {
  issuer: string;
  allowLoopbackHttp: boolean;
  fetch: FetchLike;
  clock: Clock;
  ttlSeconds: number;
  timeoutMs: number;
}

export interface Discovery {
  /** The cached metadata, fetched again once the TTL has run out. */
  get(): Promise<OidcMetadata>;
}

const WHAT = "OpenID discovery";

/** OIDC Discovery 4: drop a terminating "/" from the issuer before appending the well-known path. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
}

function endpoint(body: Record<string, unknown>, name: string, allowLoopbackHttp: boolean): URL {
  const url = secureEndpoint(body[name], allowLoopbackHttp);
  if (url === null) throw new OAuthError("discovery_failed", `${WHAT}: ${name} is missing or not https`);
  return url;
}

export function parseMetadata(body: unknown, issuer: string, allowLoopbackHttp: boolean): OidcMetadata {
  if (!isRecord(body)) throw new OAuthError("discovery_failed", `${WHAT}: the document is not a JSON object`);
  // OIDC Discovery 4.3: exactly the configured issuer, or an attacker-controlled document could
  // point us at its own keys and endpoints.
  if (body.issuer !== issuer) throw new OAuthError("discovery_failed", `${WHAT}: the document names another issuer`);
  const methods = body.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes("S256")) {
    throw new OAuthError("discovery_failed", `${WHAT}: the issuer does not support PKCE S256`);
  }
  return {
    issuer,
    authorizationEndpoint: endpoint(body, "authorization_endpoint", allowLoopbackHttp),
    tokenEndpoint: endpoint(body, "token_endpoint", allowLoopbackHttp),
    jwksUri: endpoint(body, "jwks_uri", allowLoopbackHttp),
    issParameterSupported: body.authorization_response_iss_parameter_supported === true,
  };
}

/**
 * Fetches the configuration once per TTL (by the injected clock) and shares one in-flight fetch
 * between concurrent callers. A failure is not cached: the next sign-in tries again.
 */
export function createDiscovery(options: DiscoveryOptions): Discovery {
  const url = discoveryUrl(options.issuer);
  let cached: { metadata: OidcMetadata; expiresAt: number } | null = null;
  let inFlight: Promise<OidcMetadata> | null = null;

  async function load(): Promise<OidcMetadata> {
    const answer = await requestJson(options.fetch, url, { headers: { accept: "application/json" } }, WHAT, options.timeoutMs);
    assertAvailable(answer, WHAT);
    if (answer.status !== 200) throw new OAuthError("discovery_failed", `${WHAT}: the issuer answered ${answer.status}`);
    const metadata = parseMetadata(answer.body, options.issuer, options.allowLoopbackHttp);
    cached = { metadata, expiresAt: options.clock.now().getTime() + options.ttlSeconds * 1000 };
    return metadata;
  }

  return {
    get(): Promise<OidcMetadata> {
      if (cached !== null && options.clock.now().getTime() < cached.expiresAt) return Promise.resolve(cached.metadata);
      inFlight ??= load().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
  };
}
