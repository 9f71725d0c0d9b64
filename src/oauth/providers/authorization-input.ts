import type { AuthorizationUrlInput } from "../../ports/oauth-provider.js";

/** base64url(SHA-256(verifier)) is always 43 characters (RFC 7636 4.2). */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The flow must never build an authorization URL without state, PKCE or (OIDC) a nonce: a
 * stripped parameter is a bug class that hit peers. These are programming errors, not user
 * errors, so they throw TypeError (a 500), never a URL without the protection.
 */
export function checkAuthorizationInput(input: AuthorizationUrlInput, needsNonce: boolean): void {
  if (typeof input.state !== "string" || input.state.length === 0) throw new TypeError("authorizationUrl: state is required");
  if (typeof input.codeChallenge !== "string" || !S256_CHALLENGE.test(input.codeChallenge)) {
    throw new TypeError("authorizationUrl: codeChallenge must be an S256 challenge (43 base64url characters)");
  }
  if (needsNonce && (typeof input.nonce !== "string" || input.nonce.length === 0)) {
    throw new TypeError("authorizationUrl: an OpenID Connect provider needs a nonce");
  }
  checkRedirectUri(input.redirectUri, "authorizationUrl");
}

/** Absolute http(s), no fragment (RFC 6749 3.1.2); the provider then compares it exactly. */
export function checkRedirectUri(redirectUri: string, where: string): void {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw new TypeError(`${where}: redirectUri must be an absolute URL`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.hash !== "" || redirectUri.includes("#")) {
    throw new TypeError(`${where}: redirectUri must be an http(s) URL without a fragment`);
  }
}
