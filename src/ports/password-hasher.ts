/** Hashes are PHC strings ($argon2id$v=19$m=19456,t=2,p=1$salt$hash). */
export interface PasswordHasher {
  /** PHC algorithm id this hasher produces, e.g. "argon2id". */
  readonly id: string;
  hash(password: string): Promise<string>;
  /** False for a wrong password; throws only for a malformed or unsupported hash. */
  verify(hash: string, password: string): Promise<boolean>;
  /** True when `hash` was made with another algorithm or weaker parameters. */
  needsRehash(hash: string): boolean;
}
