import { expect, test } from "vitest";
import { fixedClock } from "../../src/core/context.js";
test("frozen clock", () => {
  const c = fixedClock("2026-01-01T00:00:00Z"); c.advance(1000);
  expect(c.now().toISOString()).toBe("2026-01-01T00:00:01.000Z");
  expect(typeof navigator !== "undefined" ? navigator.userAgent : "node").toBeTruthy();
});
