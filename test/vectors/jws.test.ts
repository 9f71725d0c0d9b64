import { describe, expect, test } from "vitest";
import { decodeJSON, verifyJWS } from "../../src/sessions/jws.js";

/** RFC 8037 appendix A.4: Ed25519 signature over "Example of Ed25519 signing". */
const RFC8037_A4 = {
  jwk: { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" },
  token:
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg",
};

/** RFC 7515 appendix A.3: ES256 (P-256, SHA-256). */
const RFC7515_A3 = {
  jwk: { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" },
  token:
    "eyJhbGciOiJFUzI1NiJ9." +
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ." +
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
};

/** RFC 7515 appendix A.1: HS256. Our verifier only knows asymmetric keys, so it must refuse it. */
const RFC7515_A1 =
  "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." +
  "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ." +
  "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

describe("JWS verification against published vectors", () => {
  test("RFC 8037 A.4 Ed25519", async () => {
    const key = await crypto.subtle.importKey("jwk", RFC8037_A4.jwk, { name: "Ed25519" }, false, ["verify"]);
    const verified = await verifyJWS(RFC8037_A4.token, () => ({ alg: "EdDSA", key }));
    expect(verified).not.toBeNull();
    expect(verified!.header).toEqual({ alg: "EdDSA" });
    expect(new TextDecoder().decode(verified!.payload)).toBe("Example of Ed25519 signing");
  });

  test("RFC 8037 A.4 with one flipped signature bit fails", async () => {
    const key = await crypto.subtle.importKey("jwk", RFC8037_A4.jwk, { name: "Ed25519" }, false, ["verify"]);
    const tampered = RFC8037_A4.token.replace(/hgyY/, "hgyZ");
    expect(await verifyJWS(tampered, () => ({ alg: "EdDSA", key }))).toBeNull();
  });

  test("RFC 7515 A.3 ES256", async () => {
    const key = await crypto.subtle.importKey("jwk", RFC7515_A3.jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const verified = await verifyJWS(RFC7515_A3.token, () => ({ alg: "ES256", key }));
    expect(decodeJSON(verified!.payload)).toEqual({ iss: "joe", exp: 1300819380, "http://example.com/is_root": true });
  });

  test("the algorithm comes from the key: an ES256 key never verifies an EdDSA header", async () => {
    const key = await crypto.subtle.importKey("jwk", RFC7515_A3.jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    expect(await verifyJWS(RFC8037_A4.token, () => ({ alg: "ES256", key }))).toBeNull();
  });

  test("undecodable or non-canonical parts return null, never throw", async () => {
    const key = await crypto.subtle.importKey("jwk", RFC8037_A4.jwk, { name: "Ed25519" }, false, ["verify"]);
    const [h, p, sig] = RFC8037_A4.token.split(".") as [string, string, string];
    const respelled = sig.slice(0, -1) + (sig.endsWith("g") ? "h" : "g"); // same bits, other padding bits
    for (const token of [`${h}.${p}x.${sig}`, `${h}.${p}.${sig}x`, `${h}.${p}.${respelled}`]) {
      await expect(verifyJWS(token, () => ({ alg: "EdDSA", key }))).resolves.toBeNull();
    }
  });

  test("RFC 7515 A.1 HS256 is refused before any crypto", async () => {
    const key = await crypto.subtle.importKey("jwk", RFC7515_A3.jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    expect(await verifyJWS(RFC7515_A1, () => ({ alg: "ES256", key }))).toBeNull();
  });
});
