import { describe, expect, it } from "vitest";
import {
  PasswordHashError,
  decodeB64,
  encodeB64,
  formatPHC,
  parsePHC,
  phcId,
} from "../../src/credentials/password/phc.js";

const REF = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

describe("PHC strings", () => {
  it("parses and re-formats the reference string exactly", () => {
    const phc = parsePHC(REF);
    expect(phc.id).toBe("argon2id");
    expect(phc.version).toBe(19);
    expect({ ...phc.params }).toEqual({ m: "65536", t: "2", p: "1" });
    expect(new TextDecoder().decode(phc.salt)).toBe("somesalt");
    expect(phc.hash.length).toBe(32);
    expect(formatPHC(phc)).toBe(REF);
  });

  it("parses a string without version and params", () => {
    const phc = parsePHC("$pbkdf2-sha256$i=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA");
    expect(phc.version).toBeUndefined();
    expect({ ...phc.params }).toEqual({ i: "1" });
    const bare = parsePHC("$x$c2FsdHNhbHQ$AAAA");
    expect(Object.keys(bare.params)).toEqual([]);
  });

  it("uses standard unpadded base64 and decodes it strictly", () => {
    expect(encodeB64(new Uint8Array([0xfb, 0xff]))).toBe("+/8");
    expect(decodeB64("+/8")).toEqual(new Uint8Array([0xfb, 0xff]));
    for (const bad of ["+/8=", "-_8", "+/9", "A", "AB CD", "AB\nC", ""]) {
      expect(() => decodeB64(bad), bad).toThrow(PasswordHashError);
    }
  });

  const garbage: Array<[string, string]> = [
    ["empty", ""],
    ["no leading $", REF.slice(1)],
    ["trailing $", REF + "$"],
    ["padding", REF + "="],
    ["url-safe alphabet", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPP-"],
    ["uppercase id", REF.replace("argon2id", "ARGON2ID")],
    ["leading zero in version", REF.replace("v=19", "v=019")],
    ["empty param value", REF.replace("t=2", "t=")],
    ["duplicate param", REF.replace("p=1", "m=1")],
    ["param without =", REF.replace("p=1", "p")],
    ["whitespace", REF.replace("m=65536", "m= 65536")],
    ["missing hash", REF.slice(0, REF.lastIndexOf("$"))],
    ["too many fields", REF + "$AAAA"],
    ["too long", "$argon2id$v=19$m=1,t=1,p=1$" + "A".repeat(600) + "$AAAA"],
    ["non-string", 42 as unknown as string],
  ];
  for (const [name, text] of garbage) {
    it(`rejects ${name}`, () => {
      expect(() => parsePHC(text)).toThrow(PasswordHashError);
      try {
        parsePHC(text);
      } catch (error) {
        // Fail closed (500) and never echo the stored value.
        expect((error as PasswordHashError).status).toBe(500);
        if (typeof text === "string" && text.length > 8) expect((error as Error).message).not.toContain(text);
      }
    });
  }

  it("phcId reads only the id", () => {
    expect(phcId(REF)).toBe("argon2id");
    expect(phcId("$2b$10$abc")).toBe("2b");
    expect(phcId("plain")).toBeUndefined();
    expect(phcId("$UPPER$x")).toBeUndefined();
  });

  it("a param named like an Object.prototype member is just data", () => {
    const phc = parsePHC("$x$constructor=1$c2FsdHNhbHQ$AAAA");
    expect(phc.params["constructor"]).toBe("1");
    expect(parsePHC("$x$a=1$c2FsdHNhbHQ$AAAA").params["constructor"]).toBeUndefined();
  });
});
