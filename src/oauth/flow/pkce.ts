import type { Random } from "../../core/context.js";
import { sha256Base64Url, toBase64Url } from "../../core/encoding.js";

export interface Pkce {
  /** 32 random bytes, base64url: 43 characters of the RFC 7636 unreserved set. */
  verifier: string;
  /** S256: base64url(SHA-256(ASCII(verifier))). `plain` is never offered (RFC 9700 2.1.1). */
  challenge: string;
}

export async function createPkce(random: Random): Promise<Pkce> {
  const verifier = toBase64Url(random.bytes(32));
  return { verifier, challenge: await pkceChallenge(verifier) };
}

export function pkceChallenge(verifier: string): Promise<string> {
  return sha256Base64Url(verifier);
}
