/**
 * One OAuth 2.0 / OpenID Connect identity provider (Google, GitHub, any OIDC issuer). The flow
 * around it (state, PKCE verifier, nonce, browser binding, account linking, sessions) lives in
 * src/oauth/; a provider only builds the authorization URL and turns a callback into a verified
 * profile. Client secrets stay inside the provider: they never appear in errors or logs.
 */

/** Who the provider says signed in. Identity is (provider id, subject), never the email. */
export interface OAuthProfile {
  /** The provider's stable, never-reassigned user id (`sub`, GitHub's numeric id). */
  subject: string;
  /** Normalisation is the caller's job. Null when the provider shares none. */
  email: string | null;
  /** True only when the provider asserts it (`email_verified: true`, GitHub's verified primary). */
  emailVerified: boolean;
  name: string | null;
}

export interface AuthorizationUrlInput {
  /** Opaque, single-use, bound to the browser by the flow. */
  state: string;
  /** PKCE S256 code challenge (RFC 7636): base64url(SHA-256(verifier)). */
  codeChallenge: string;
  /** OIDC only; null for plain OAuth 2.0 providers. */
  nonce: string | null;
  /** Exact redirect URI registered with the provider. */
  redirectUri: string;
}

export interface CallbackInput {
  code: string;
  codeVerifier: string;
  /** What the id_token's `nonce` must equal (OIDC); null for plain OAuth 2.0. */
  nonce: string | null;
  redirectUri: string;
  /** RFC 9207 `iss` from the callback query, when present; providers that advertise it require it. */
  issuer: string | null;
}

export interface OAuthProvider {
  /** Route segment and credential namespace: `[a-z0-9-]{1,32}`, e.g. "google". */
  readonly id: string;
  /** OIDC providers get a nonce and return an id_token; OAuth 2.0 ones call user APIs. */
  readonly kind: "oidc" | "oauth2";
  authorizationUrl(input: AuthorizationUrlInput): Promise<URL>;
  /**
   * Exchanges the code (with the PKCE verifier) and verifies what comes back: for OIDC the
   * id_token's signature (issuer JWKS, algorithm allowlist, never `none`/HS*), `iss`, `aud`,
   * `exp`, `nonce`. Throws `OAuthError` (a provider failure: `oauth_failed`) or `StorageError`.
   */
  exchange(input: CallbackInput): Promise<OAuthProfile>;
}
