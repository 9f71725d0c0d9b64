import { describe, expect, test } from "vitest";
import { memorySingleUseStore } from "../../src/adapters/memory/index.js";
import { cryptoRandom, fixedClock } from "../../src/core/context.js";
import { sha256Base64Url } from "../../src/core/encoding.js";
import { emailLink, isWellFormedToken, issueEmailLinkToken, redeemEmailLinkToken, tokenKey } from "../../src/email-links/tokens.js";
import type { SingleUseStore } from "../../src/ports/single-use-store.js";

const START = "2026-03-01T12:00:00.000Z";

function issue(store: SingleUseStore, clock = fixedClock(START)) {
  return issueEmailLinkToken(store, { purpose: "magic_link", email: "ada@example.com", userId: "u1", returnPath: "/x", ttlSeconds: 600, clock, random: cryptoRandom });
}

describe("email-link tokens", () => {
  test("256 random bits in base64url; distinct every time", async () => {
    const store = memorySingleUseStore();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => issue(store)));
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(20);
  });

  test("the key is <purpose>:<sha256(token)>; the record carries no token", async () => {
    const store = memorySingleUseStore();
    const token = await issue(store);
    expect(await tokenKey("magic_link", token)).toBe(`magic_link:${await sha256Base64Url(token)}`);
    const raw = await store.consume(await tokenKey("magic_link", token));
    expect(JSON.parse(raw!)).toEqual({ purpose: "magic_link", email: "ada@example.com", userId: "u1", returnPath: "/x", expiresAt: "2026-03-01T12:10:00.000Z" });
  });

  test("redeem: the record once, then null; expiry by the injected clock even when the store keeps it", async () => {
    const store = memorySingleUseStore(); // its TTLs follow the real clock, far behind START
    const clock = fixedClock(START);
    const a = await issue(store, clock);
    const b = await issue(store, clock);
    expect(await redeemEmailLinkToken(store, "magic_link", a, clock)).toMatchObject({ userId: "u1" });
    expect(await redeemEmailLinkToken(store, "magic_link", a, clock)).toBeNull();
    clock.advance(600_000);
    expect(await redeemEmailLinkToken(store, "magic_link", b, clock)).toBeNull();
  });

  test("a record of another purpose under this purpose's key is refused (defence in depth)", async () => {
    const store = memorySingleUseStore();
    const clock = fixedClock(START);
    const token = "A".repeat(43);
    const record = { purpose: "verify_email", email: "a@b.example", userId: "u", returnPath: "/", expiresAt: "2030-01-01T00:00:00.000Z" };
    await store.put(await tokenKey("magic_link", token), JSON.stringify(record), 600);
    expect(await redeemEmailLinkToken(store, "magic_link", token, clock)).toBeNull();
    await store.put(await tokenKey("magic_link", token), "{not json", 600);
    expect(await redeemEmailLinkToken(store, "magic_link", token, clock)).toBeNull();
  });

  test("a malformed token never reaches the store", async () => {
    let calls = 0;
    const store: SingleUseStore = { consistency: "atomic", put: async () => undefined, claim: async () => true, consume: async () => (calls++, null) };
    for (const token of ["", "A".repeat(42), "A".repeat(44), "A".repeat(42) + "=", "A".repeat(42) + "+", null, 42]) {
      expect(isWellFormedToken(token)).toBe(false);
      expect(await redeemEmailLinkToken(store, "magic_link", token, fixedClock(START))).toBeNull();
    }
    expect(calls).toBe(0);
  });

  test("links are origin + base path + route", () => {
    expect(emailLink("https://app.example", "/auth", "/magic-link", "T")).toBe("https://app.example/auth/magic-link?token=T");
  });
});
