import type { RequestContext } from "./request.js";
import type { User } from "./user-store.js";

export type VerificationResult =
  | { ok: true; user: User; amr: string[] }
  | { ok: false; reason: "invalid_credentials"; user: User | null };

/**
 * One kind of sign-in proof (password now; OAuth, magic link, passkey later).
 * `verify` resolves the identity and checks the proof in one call so that an
 * unknown identity costs the same work as a wrong proof (no enumeration by timing).
 */
export interface CredentialVerifier<Input> {
  readonly method: string;
  verify(input: Input, ctx: RequestContext): Promise<VerificationResult>;
}
