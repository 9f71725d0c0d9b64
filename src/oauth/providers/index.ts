/**
 * OAuth 2.0 / OpenID Connect providers (the `OAuthProvider` port): a generic OIDC issuer, Google
 * and GitHub. Web Crypto + fetch only, so they run in Workers. The flow around them (state, PKCE
 * verifier, nonce, browser binding, linking, sessions) is src/oauth/flow/.
 */
export { oidcProvider, type OidcProviderOptions, type OidcTokenAuth } from "./oidc.js";
export { googleProvider, GOOGLE_ISSUER, type GoogleProviderOptions } from "./google.js";
export { githubProvider, type GithubProviderOptions } from "./github.js";
export { OAuthError, isOAuthError, type OAuthFailureReason } from "./errors.js";
export type { FetchLike } from "./http.js";
