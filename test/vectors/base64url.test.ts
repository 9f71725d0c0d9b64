import { describe, expect, test } from "vitest";
import { fromBase64Url, toBase64Url, utf8 } from "../../src/core/encoding.js";

/** RFC 4648 section 10 vectors, in the URL-safe alphabet without padding (section 5). */
const VECTORS: [string, string][] = [
  ["", ""],
  ["f", "Zg"],
  ["fo", "Zm8"],
  ["foo", "Zm9v"],
  ["foob", "Zm9vYg"],
  ["fooba", "Zm9vYmE"],
  ["foobar", "Zm9vYmFy"],
];

describe("base64url (RFC 4648)", () => {
  test.each(VECTORS)("%j <-> %j", (plain, encoded) => {
    expect(toBase64Url(utf8(plain))).toBe(encoded);
    expect(new TextDecoder().decode(fromBase64Url(encoded))).toBe(plain);
  });

  test("uses - and _ where base64 has + and /", () => {
    expect(toBase64Url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe("-_-_");
    expect([...fromBase64Url("-_-_")]).toEqual([0xfb, 0xff, 0xbf]);
  });

  test("every length and byte value round-trips", () => {
    for (let length = 0; length < 70; length++) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 37 + length) & 0xff);
      expect([...fromBase64Url(toBase64Url(bytes))]).toEqual([...bytes]);
    }
  });

  test.each(["Zm9v=", "Zm+v", "Zm/v", "Z", "Zm9vY", "Zm 9v", "Zm9vé", "Zh", "Zm9", "Zm9vYh"])("refuses %j (including non-canonical trailing bits)", (bad) => {
    expect(() => fromBase64Url(bad)).toThrow(SyntaxError);
  });
});
