/** Shared fixtures and the assertions every PasswordHasher must pass, on every runtime. */
import { expect, it } from "vitest";
import type { Random } from "../../src/core/context.js";
import { PasswordHashError } from "../../src/credentials/password/phc.js";
import type { PasswordHasher } from "../../src/ports/password-hasher.js";

/** Small enough to keep the suite fast; the real defaults get their own tests. */
export const FAST = { memoryCost: 256, timeCost: 2, parallelism: 1 } as const;

/** Deterministic salts so two backends can be compared byte for byte. */
export function fixedRandom(fill = 7): Random {
  return { bytes: (length: number): Uint8Array => new Uint8Array(length).fill(fill) };
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** 200 code points, mixing ASCII and non-ASCII so a UTF-16/UTF-8 length mix-up would show. */
export function longPassword(at150 = "x"): string {
  const chars = Array.from({ length: 200 }, (_, i) => (i % 10 === 3 ? "é" : String.fromCharCode(97 + (i % 26))));
  chars[150] = at150;
  return chars.join("");
}

/** Flips the last character of the hash field, keeping it valid canonical base64. */
export function tamperHash(phc: string): string {
  const cut = phc.lastIndexOf("$");
  const field = phc.slice(cut + 1);
  // Replace a middle character so the trailing-bits rule stays satisfied.
  const i = Math.floor(field.length / 2);
  const swapped = field[i] === "A" ? "B" : "A";
  return phc.slice(0, cut + 1) + field.slice(0, i) + swapped + field.slice(i + 1);
}

export function hasherContract(make: () => PasswordHasher): void {
  it("round-trips and rejects a wrong password", async () => {
    const hasher = make();
    const stored = await hasher.hash("correct horse battery staple");
    expect(stored.startsWith(`$${hasher.id}$`)).toBe(true);
    expect(await hasher.verify(stored, "correct horse battery staple")).toBe(true);
    expect(await hasher.verify(stored, "correct horse battery stapler")).toBe(false);
    expect(await hasher.verify(stored, "")).toBe(false);
    expect(hasher.needsRehash(stored)).toBe(false);
  });

  it("salts: two hashes of one password differ", async () => {
    const hasher = make();
    expect(await hasher.hash("same password")).not.toBe(await hasher.hash("same password"));
  });

  it("NIST 800-63B-4 no truncation: a 200-character password differing only at character 150 fails", async () => {
    const hasher = make();
    const stored = await hasher.hash(longPassword("x"));
    expect(await hasher.verify(stored, longPassword("x"))).toBe(true);
    expect(await hasher.verify(stored, longPassword("y"))).toBe(false);
  });

  it("hashes every UTF-8 byte of non-ASCII passwords (no UTF-16 length truncation)", async () => {
    const hasher = make();
    const stored = await hasher.hash("日本語パスワード");
    expect(await hasher.verify(stored, "日本語パスワード")).toBe(true);
    // Same first 8 UTF-8 bytes and same UTF-16 length: caught @phi-ag/argon2's Argon2 class.
    expect(await hasher.verify(stored, "日本語abcde")).toBe(false);
    const accents = await hasher.hash("ééé");
    expect(await hasher.verify(accents, "ééZ")).toBe(false);
    // NUL is data, not a terminator.
    const nul = await hasher.hash("pass\0word");
    expect(await hasher.verify(nul, "pass")).toBe(false);
    expect(await hasher.verify(nul, "pass\0word")).toBe(true);
  });

  it("treats a tampered hash as a wrong password and malformed PHC as an error", async () => {
    const hasher = make();
    const stored = await hasher.hash("tamper me");
    expect(await hasher.verify(tamperHash(stored), "tamper me")).toBe(false);
    const malformed = [
      "",
      "garbage",
      stored + "=",
      stored + "$",
      stored.replace(/\$[^$]*$/, ""), // no hash field
      stored.replace(/.\$([^$]+)$/, "-$$$1"), // URL-safe alphabet in the salt
      ` ${stored}`,
      stored.toUpperCase(),
    ];
    for (const bad of malformed) {
      await expect(hasher.verify(bad, "tamper me"), JSON.stringify(bad)).rejects.toBeInstanceOf(PasswordHashError);
    }
  });
}
