import { ConfigurationError } from "../../core/errors.js";
import type { AuthorizationUrlInput, CallbackInput, OAuthProfile, OAuthProvider } from "../../ports/oauth-provider.js";
import { checkAuthorizationInput, checkRedirectUri } from "./authorization-input.js";
import { checkProviderId, checkScopes, positiveNumber, requireText } from "./config.js";
import { OAuthError } from "./errors.js";
import { exchangeGithubCode, fetchGithubEmails, fetchGithubUser, verifiedPrimaryEmail, type GithubCall } from "./github-api.js";
import { DEFAULT_TIMEOUT_MS, resolveFetch, secureEndpoint, type FetchLike } from "./http.js";

export interface GithubProviderOptions {
  /** Default "github". */
  id?: string;
  clientId: string;
  clientSecret: string;
  /** Where users authorize and codes are exchanged. Default https://github.com (GitHub Enterprise: your host). */
  webBase?: string;
  /** The REST API. Default https://api.github.com (GitHub Enterprise: https://HOST/api/v3). */
  apiBase?: string;
  /** Default ["read:user", "user:email"]: the profile and the (private) address list. */
  scopes?: readonly string[];
  fetch?: FetchLike;
  /** Bound on each call to GitHub. Default 10,000 ms. */
  timeoutMs?: number;
  /** GitHub refuses API calls without one. Default "portcullis". */
  userAgent?: string;
}

function checkBase(id: string, name: string, value: string): string {
  const trimmed = value.replace(/\/+$/, "");
  const url = secureEndpoint(trimmed, true);
  if (url === null || url.search !== "" || trimmed.includes("?")) {
    throw new ConfigurationError(`OAuth provider "${id}": ${name} must be an https URL (http only on localhost) without query`);
  }
  return trimmed;
}

/**
 * Sign in with GitHub (kind "oauth2"): authorization code with PKCE S256 (GitHub supports it),
 * then the profile from the REST API. Identity is the numeric user id, never the login (logins
 * are renamed and re-registered); the email is the primary address only when GitHub has
 * verified it.
 *
 * Mix-up defence: GitHub publishes no issuer metadata and sends no RFC 9207 `iss`, so it rests on
 * the per-provider redirect URI (RFC 9700 4.4.2); an `iss` that does arrive must be `webBase`.
 */
export function githubProvider(options: GithubProviderOptions): OAuthProvider {
  const id = checkProviderId(options.id ?? "github");
  const clientId = requireText(id, "clientId", options.clientId);
  const clientSecret = requireText(id, "clientSecret", options.clientSecret);
  const webBase = checkBase(id, "webBase", options.webBase ?? "https://github.com");
  const apiBase = checkBase(id, "apiBase", options.apiBase ?? "https://api.github.com");
  const scopes = checkScopes(id, options.scopes ?? ["read:user", "user:email"]);
  const call: GithubCall = {
    fetch: resolveFetch(options.fetch),
    timeoutMs: Math.round(positiveNumber(id, "timeoutMs", options.timeoutMs, DEFAULT_TIMEOUT_MS)),
    userAgent: options.userAgent ?? "portcullis",
  };

  return {
    id,
    kind: "oauth2",

    async authorizationUrl(input: AuthorizationUrlInput): Promise<URL> {
      checkAuthorizationInput(input, false);
      const url = new URL(`${webBase}/login/oauth/authorize`);
      url.searchParams.set("client_id", clientId);
      url.searchParams.set("redirect_uri", input.redirectUri);
      url.searchParams.set("scope", scopes.join(" "));
      url.searchParams.set("state", input.state);
      url.searchParams.set("code_challenge", input.codeChallenge);
      url.searchParams.set("code_challenge_method", "S256");
      return url;
    },

    async exchange(input: CallbackInput): Promise<OAuthProfile> {
      checkRedirectUri(input.redirectUri, "exchange");
      if (input.issuer !== null && input.issuer !== undefined && input.issuer !== webBase) {
        throw new OAuthError("issuer_mismatch", "the callback's iss is not GitHub");
      }
      const form = new URLSearchParams({
        client_id: clientId,
        client_secret: clientSecret,
        code: input.code,
        redirect_uri: input.redirectUri,
        code_verifier: input.codeVerifier,
      });
      const accessToken = await exchangeGithubCode(call, `${webBase}/login/oauth/access_token`, form);
      const [user, emails] = await Promise.all([fetchGithubUser(call, apiBase, accessToken), fetchGithubEmails(call, apiBase, accessToken)]);
      const email = verifiedPrimaryEmail(emails);
      return {
        subject: String(user.id),
        email,
        emailVerified: email !== null,
        // A display name: GitHub's optional name, else the login (never used as identity).
        name: user.name ?? user.login,
      };
    },
  };
}
