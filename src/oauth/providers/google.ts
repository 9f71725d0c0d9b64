import type { OAuthProvider } from "../../ports/oauth-provider.js";
import { createOidcProvider, type OidcProviderOptions } from "./oidc.js";

export const GOOGLE_ISSUER = "https://accounts.google.com";

export interface GoogleProviderOptions extends Omit<OidcProviderOptions, "id" | "issuer"> {
  /** Default "google". */
  id?: string;
  /** Default https://accounts.google.com; tests point it at a local OpenID provider standing in for Google. */
  issuer?: string;
}

/**
 * Sign in with Google: OpenID Connect through Google's discovery document, PKCE S256 and a nonce
 * like any issuer. Google documents that its id_tokens carry `iss` as either
 * "https://accounts.google.com" or "accounts.google.com", so both are accepted for the real
 * issuer (only there; a custom issuer gets the exact comparison).
 */
export function googleProvider(options: GoogleProviderOptions): OAuthProvider {
  const issuer = options.issuer ?? GOOGLE_ISSUER;
  return createOidcProvider(
    { ...options, id: options.id ?? "google", issuer },
    { extraIdTokenIssuers: issuer === GOOGLE_ISSUER ? ["accounts.google.com"] : [] },
  );
}
