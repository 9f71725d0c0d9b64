/**
 * Published test vectors, run on every runtime.
 *
 * RFC 9106 5.3 uses a secret and associated data, which the WASM build's argon2_hash cannot
 * take, so the vector runs on @noble/hashes (the pure-JS backend); the WASM backend is tied to
 * noble by byte-identical output on the same salt/params (argon2id-wasm-suite.ts) and to
 * libargon2's own reference vector.
 *
 * PBKDF2: RFC 6070 is HMAC-SHA-1, so the SHA-256 vectors are RFC 7914 section 11's.
 */
import { argon2id } from "@noble/hashes/argon2.js";
import { describe, expect, it } from "vitest";
import { argon2idJSHasher } from "../../src/credentials/password/argon2id-js.js";
import { derivePBKDF2SHA256, pbkdf2Hasher } from "../../src/credentials/password/pbkdf2.js";
import { encodeB64 } from "../../src/credentials/password/phc.js";
import { fromHex, hex } from "./helpers.js";

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("RFC 9106 section 5.3 (Argon2id)", () => {
  it("matches the tag for password 01*32, salt 02*16, secret 03*8, ad 04*12, m=32 t=3 p=4", () => {
    const tag = argon2id(new Uint8Array(32).fill(1), new Uint8Array(16).fill(2), {
      m: 32,
      t: 3,
      p: 4,
      dkLen: 32,
      version: 0x13,
      key: new Uint8Array(8).fill(3),
      personalization: new Uint8Array(12).fill(4),
    });
    expect(hex(tag)).toBe("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
  });

  it("the pure-JS hasher verifies libargon2's reference PHC string (password/somesalt, m=65536)", async () => {
    const reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    expect(await argon2idJSHasher().verify(reference, "password")).toBe(true);
  });
});

describe("RFC 7914 section 11 (PBKDF2-HMAC-SHA256)", () => {
  it('P="passwd", S="salt", c=1, dkLen=64', async () => {
    const dk = await derivePBKDF2SHA256(enc("passwd"), enc("salt"), 1, 64);
    expect(hex(dk)).toBe(
      "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc" +
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
    );
  });

  it('P="Password", S="NaCl", c=80000, dkLen=64', async () => {
    const dk = await derivePBKDF2SHA256(enc("Password"), enc("NaCl"), 80_000, 64);
    expect(hex(dk)).toBe(
      "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56" +
        "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d",
    );
  });

  it("a stored hash with the vector's 4-byte salt is refused (8-byte floor), not verified", async () => {
    const dk = fromHex("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56");
    const phc = `$pbkdf2-sha256$i=80000$${encodeB64(enc("NaCl"))}$${encodeB64(dk)}`;
    await expect(pbkdf2Hasher({ iterations: 80_000 }).verify(phc, "Password")).rejects.toThrow(/salt length/);
  });
});
