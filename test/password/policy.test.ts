import { describe, expect, it } from "vitest";
import { AuthError, ConfigurationError } from "../../src/core/errors.js";
import {
  MAX_PASSWORD_BYTES,
  assertHashableLength,
  checkPassword,
  normalizePassword,
  passwordPolicy,
} from "../../src/credentials/password/policy.js";
import { normalizeEmail } from "../../src/core/email.js";
import type { PasswordHasher } from "../../src/ports/password-hasher.js";

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuthError) return error.code;
    throw error;
  }
  return undefined;
}

describe("checkPassword (NIST SP 800-63B-4, ASVS 6.2)", () => {
  it("7 characters rejected, 8 accepted", () => {
    expect(code(() => checkPassword("a".repeat(7)))).toBe("password_too_short");
    expect(code(() => checkPassword("a".repeat(8)))).toBeUndefined();
  });

  it("64 accepted; 200 accepted by default; no composition rules", () => {
    expect(code(() => checkPassword("a".repeat(64)))).toBeUndefined();
    expect(code(() => checkPassword("a".repeat(200)))).toBeUndefined();
    expect(code(() => checkPassword("aaaaaaaa"))).toBeUndefined(); // no digit/upper/symbol required
  });

  it("counts Unicode code points of the NFC form", () => {
    // 7 emoji = 14 UTF-16 units, 28 bytes: still 7 characters, too short.
    expect(code(() => checkPassword("🔐".repeat(7)))).toBe("password_too_short");
    expect(code(() => checkPassword("🔐".repeat(8)))).toBeUndefined();
    // "e" + combining acute is one character after NFC: 7 of them are too short.
    expect(code(() => checkPassword("e\u0301".repeat(7)))).toBe("password_too_short");
    expect(code(() => checkPassword("é".repeat(8)))).toBeUndefined();
  });

  it("maxLength applies in code points; the 4096-byte ceiling applies first", () => {
    const policy = passwordPolicy({ maxLength: 64 });
    expect(code(() => policy.check("a".repeat(64)))).toBeUndefined();
    expect(code(() => policy.check("a".repeat(65)))).toBe("password_too_long");
    expect(code(() => checkPassword("a".repeat(MAX_PASSWORD_BYTES + 1), { maxLength: 4096 }))).toBe("password_too_long");
    // 1366 three-byte characters = 4098 bytes: under maxLength 4096, over the byte ceiling.
    expect(code(() => checkPassword("語".repeat(1366), { maxLength: 4096 }))).toBe("password_too_long");
    expect(code(() => checkPassword("語".repeat(1365), { maxLength: 4096 }))).toBeUndefined();
  });

  it("rejects lone surrogates (they would collide after UTF-8 encoding)", () => {
    expect(code(() => checkPassword("abcdefgh\ud800"))).toBe("invalid_request");
    expect(code(() => checkPassword("abcdefgh\udc00x"))).toBe("invalid_request");
  });

  it("rejects >4096-byte input BEFORE any hashing (a spy hasher is never called)", async () => {
    const calls: string[] = [];
    const spy: PasswordHasher = {
      id: "spy",
      hash: async (p) => {
        calls.push(`hash:${p.length}`);
        return "$spy$c2FsdHNhbHQ$AAAA";
      },
      verify: async () => {
        calls.push("verify");
        return false;
      },
      needsRehash: () => false,
    };
    // The sign-up shape: policy first, then hash.
    async function signUp(password: string): Promise<string> {
      checkPassword(password, { maxLength: 4096 });
      return spy.hash(password);
    }
    async function signIn(password: string): Promise<boolean> {
      assertHashableLength(password);
      return spy.verify("$spy$c2FsdHNhbHQ$AAAA", password);
    }
    const huge = "a".repeat(1_000_000);
    await expect(signUp(huge)).rejects.toMatchObject({ code: "password_too_long", status: 400 });
    await expect(signIn(huge)).rejects.toMatchObject({ code: "password_too_long" });
    await expect(signUp("é".repeat(2049))).rejects.toMatchObject({ code: "password_too_long" });
    expect(calls).toEqual([]);
    await signUp("fine password");
    expect(calls).toEqual(["hash:13"]);
  });

  it("refuses NIST-violating settings at construction", () => {
    expect(() => passwordPolicy({ minLength: 7 })).toThrow(ConfigurationError);
    expect(() => passwordPolicy({ maxLength: 63 })).toThrow(ConfigurationError);
    expect(() => passwordPolicy({ minLength: 100, maxLength: 64 })).toThrow(ConfigurationError);
    expect(() => passwordPolicy({ maxLength: 5000 })).toThrow(ConfigurationError);
    expect(passwordPolicy({ minLength: 15 }).minLength).toBe(15);
  });

  it("normalizePassword is NFC and never truncates", () => {
    expect(normalizePassword("e\u0301")).toBe("é");
    expect(normalizePassword("ﬁ")).toBe("ﬁ"); // NFC keeps compatibility characters
    expect(normalizePassword("x".repeat(300))).toHaveLength(300);
  });
});

describe("normalizeEmail", () => {
  const ok: Array<[string, string]> = [
    ["  Alice@Example.COM ", "alice@example.com"],
    ["ＡＬＩＣＥ@ＥＸＡＭＰＬＥ.ｃｏｍ", "alice@example.com"], // fullwidth letters fold under NFKC
    ["alice＠example.com", "alice@example.com"], // fullwidth @ becomes the one @
    ["\u212Aelvin@example.com", "kelvin@example.com"], // Kelvin sign -> K -> k
    ["first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"],
    ["user_name-1@xn--bcher-kva.example", "user_name-1@xn--bcher-kva.example"],
    [`${"a".repeat(64)}@example.com`, `${"a".repeat(64)}@example.com`],
  ];
  for (const [raw, expected] of ok) {
    it(`accepts ${JSON.stringify(raw)}`, () => {
      expect(normalizeEmail(raw)).toBe(expected);
    });
  }

  const bad: Array<[string, string]> = [
    ["comma-separated list", "victim@example.com,attacker@evil.com"],
    ["fullwidth comma", "victim@example.com，attacker@evil.com"],
    ["semicolon list", "victim@example.com;attacker@evil.com"],
    ["two @", "victim@example.com@evil.com"],
    ["fullwidth @ giving two @", "victim＠example.com@evil.com"],
    ["small commercial at giving two @", "victim\uFE6Bexample.com@evil.com"],
    ["space inside", "vic tim@example.com"],
    ["ideographic space inside", "vic\u3000tim@example.com"],
    ["double quotes", '"victim"@example.com'],
    ["quoted local part with @", '"a@b"@example.com'],
    ["angle brackets", "Victim <victim@example.com>"],
    ["control character", "victim\n@example.com"],
    ["CRLF header injection", "victim@example.com\r\nBcc: x@evil.com"],
    ["NUL", "victim\0@example.com"],
    ["no @", "victim.example.com"],
    ["empty local", "@example.com"],
    ["empty domain", "victim@"],
    ["single-label domain", "victim@localhost"],
    ["IP literal", "victim@[127.0.0.1]"],
    ["numeric TLD", "victim@1.2.3.4"],
    ["leading dot", ".victim@example.com"],
    ["double dot", "vic..tim@example.com"],
    ["trailing dot in local", "victim.@example.com"],
    ["trailing dot in domain", "victim@example.com."],
    ["hyphen-edged label", "victim@-example.com"],
    ["percent hack", "victim%evil.com@example.com"],
    ["Cyrillic homoglyph", "victim@exаmple.com"], // U+0430
    ["non-ASCII local", "jürgen@example.com"],
    ["IDN domain not in punycode", "victim@bücher.example"],
    ["reserved -- label", "victim@ab--cd.example"],
    ["local part of 65", `${"a".repeat(65)}@example.com`],
    ["over 254 total", `${"a".repeat(60)}@${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(10)}.com`],
    ["label over 63", `victim@${"a".repeat(64)}.com`],
    ["huge input", `${"a".repeat(5000)}@example.com`],
    ["empty", ""],
    ["whitespace only", "   "],
  ];
  for (const [name, raw] of bad) {
    it(`rejects ${name}`, () => {
      expect(code(() => normalizeEmail(raw))).toBe("invalid_email");
    });
  }

  it("never echoes the input in the error", () => {
    try {
      normalizeEmail("<script>alert(1)</script>@example.com");
    } catch (error) {
      expect((error as Error).message).not.toContain("script");
    }
  });

  it("rejects non-strings as invalid_email, not a crash", () => {
    expect(code(() => normalizeEmail(undefined as unknown as string))).toBe("invalid_email");
    expect(code(() => normalizeEmail({} as unknown as string))).toBe("invalid_email");
  });
});
