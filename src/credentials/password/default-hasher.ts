import type { PasswordHasher } from "../../ports/password-hasher.js";
import { argon2idJSHasher } from "./argon2id-js.js";

/**
 * The hasher `createAuth` uses when none is passed: Argon2id at OWASP parameters in pure JS,
 * because it is the only Argon2id that needs nothing injected. Pass
 * `argon2idHasher({ module })` (WASM, several times faster) wherever a module can be provided.
 */
export function defaultHasher(): PasswordHasher {
  return argon2idJSHasher();
}
