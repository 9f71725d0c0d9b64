/**
 * Argon2id in pure JavaScript (@noble/hashes), for runtimes where no compiled WASM module can
 * be provided. Same parameters and byte-identical PHC output as `argon2idHasher`, so hashes
 * move freely between the two. Expect it to be several times slower than WASM (see the
 * figures in bench/password-hash.ts); prefer the WASM hasher wherever a module can be injected.
 */
import { argon2idAsync } from "@noble/hashes/argon2.js";
import type { PasswordHasher } from "../../ports/password-hasher.js";
import { ARGON2_VERSION, createArgon2idHasher, type Argon2idDerive, type Argon2idOptions } from "./argon2id-shared.js";

const nobleDerive: Argon2idDerive = (password, salt, params, hashLength) =>
  argon2idAsync(password, salt, {
    t: params.timeCost,
    m: params.memoryCost,
    p: params.parallelism,
    dkLen: hashLength,
    version: ARGON2_VERSION,
    // Yields to the event loop about every 10 ms where the clock advances during CPU work (Node).
    // Production workerd freezes the clock while JS runs, so there it runs to completion.
    asyncTick: 10,
  });

export function argon2idJSHasher(options: Argon2idOptions = {}): PasswordHasher {
  return createArgon2idHasher(nobleDerive, options);
}
