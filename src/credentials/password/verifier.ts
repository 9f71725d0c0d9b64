import type { RequestContext } from "../../ports/request.js";
import type { CredentialStore } from "../../ports/credential-store.js";
import type { CredentialVerifier, VerificationResult } from "../../ports/credential-verifier.js";
import type { PasswordHasher } from "../../ports/password-hasher.js";
import type { UserStore } from "../../ports/user-store.js";

export interface PasswordInput {
  /** Already normalised. */
  email: string;
  password: string;
}

/**
 * Email + password. An unknown email, or a user without a password, still
 * pays for one full hash verification (against a decoy hash with the same
 * parameters), so response time does not tell which accounts exist. A hash
 * made with older parameters is replaced after a successful sign-in.
 */
export function passwordVerifier(deps: {
  users: UserStore;
  credentials: CredentialStore;
  hasher: PasswordHasher;
  /** Spends the same work as a real verification and returns false. */
  decoy: (password: string) => Promise<boolean>;
}): CredentialVerifier<PasswordInput> {
  return {
    method: "password",
    async verify(input: PasswordInput, ctx: RequestContext): Promise<VerificationResult> {
      const user = await deps.users.findByEmail(input.email);
      const credential = user === null ? undefined : (await deps.credentials.listByUser(user.id, "password"))[0];
      if (user === null || credential === undefined) {
        await deps.decoy(input.password);
        return { ok: false, reason: "invalid_credentials", user };
      }
      if (!(await deps.hasher.verify(credential.secret, input.password))) {
        return { ok: false, reason: "invalid_credentials", user };
      }
      if (deps.hasher.needsRehash(credential.secret)) {
        await deps.credentials.updateSecret(credential.id, await deps.hasher.hash(input.password), ctx.clock.now());
      }
      return { ok: true, user, amr: ["pwd"] };
    },
  };
}
