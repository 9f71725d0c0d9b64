/**
 * The origin browsers use, as the features that build absolute URLs need it: OAuth redirect
 * URIs and links in mail come from `settings.publicOrigin`, never from the Host header (a forged
 * Host would put the attacker's site in a victim's mail or in a redirect URI).
 */
import { ConfigurationError } from "../errors.js";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** localhost, 127.0.0.1 or [::1]: where plain http is tolerated for local development. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname);
}

/** https, or http on a loopback host. */
export function isSecureOrLoopback(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
}

/**
 * `settings.publicOrigin` for `who` (a plugin's name), checked when createAuth sets it up: set,
 * and https (http only on loopback) whatever the cookie settings allow, since these URLs travel
 * to third parties (RFC 9700 2.1 for redirect URIs). `purpose` says what is built from it.
 */
export function requirePublicOrigin(publicOrigin: string | null, who: string, purpose: string): string {
  if (publicOrigin === null) {
    throw new ConfigurationError(`${who} needs settings.publicOrigin (e.g. https://app.example.com): ${purpose} built from it`);
  }
  const url = new URL(publicOrigin);
  if (!isSecureOrLoopback(url)) throw new ConfigurationError(`${who}: settings.publicOrigin must use https (http only for localhost)`);
  return url.origin;
}
