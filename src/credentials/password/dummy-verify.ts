/**
 * Timing equalisation for unknown accounts (OWASP ASVS 6.3.8): when no user matches the email,
 * spend what a wrong password would cost by verifying against a hash of a random password made
 * by the same hasher (so with the same algorithm and parameters).
 *
 *   const user = await users.findByEmail(email);
 *   const ok = user ? await hasher.verify(user.passwordHash, password) : await dummyVerify(hasher, password);
 */
import { toBase64Url } from "../../core/encoding.js";
import type { PasswordHasher } from "../../ports/password-hasher.js";
import { assertHashableLength } from "./policy.js";

/**
 * One dummy hash per hasher object, computed on first use. Keyed weakly by the hasher so it
 * lives exactly as long as the hasher; it holds only the hash of 32 random bytes, nothing a
 * request supplied.
 */
const dummies = new WeakMap<PasswordHasher, Promise<string>>();

/** Always resolves to false, after costing about one `verify` of `hasher`. */
export async function dummyVerify(hasher: PasswordHasher, password = ""): Promise<false> {
  // Same input rejection as a real verify, so an oversized password fails identically either way.
  assertHashableLength(password);
  let dummy = dummies.get(hasher);
  if (dummy === undefined) {
    // First call: producing the dummy costs one hash, which is what a verify costs, so this
    // caller is done once it exists; verifying on top would make the first miss cost double.
    dummy = hasher.hash(toBase64Url(crypto.getRandomValues(new Uint8Array(32))));
    dummies.set(hasher, dummy);
    try {
      await dummy;
    } catch (error) {
      dummies.delete(hasher);
      throw error;
    }
    return false;
  }
  await hasher.verify(await dummy, password);
  return false;
}

/** `dummyVerify` bound to one hasher: the `decoy` function the sign-in route and password verifier take. */
export function decoyVerifier(hasher: PasswordHasher): (password: string) => Promise<boolean> {
  return (password: string): Promise<boolean> => dummyVerify(hasher, password);
}
