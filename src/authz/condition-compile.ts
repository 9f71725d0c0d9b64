import { cidrContains, parseCIDR, parseIP, type CIDR } from "./ip.js";
import { compileReference, type EvaluationScope, type Resolver } from "./references.js";
import type { Condition, Operand } from "./types.js";

export type Predicate = (scope: EvaluationScope) => boolean;

/**
 * Compiles a validated condition into closures once, at configuration time.
 *
 * Semantics (locked for 0.3):
 * - A reference that is missing anywhere on its path is `undefined`. Every comparison
 *   with `undefined` is FALSE: `eq`, `ne`, `lt`, `lte`, `gt`, `gte`, `in`, `ipInCidr`.
 *   So `ne(missing, "x")` is false, while `not(eq(missing, "x"))` is true: guard
 *   negations with `exists`, and remember a deny policy whose condition reads a
 *   missing attribute does not apply.
 * - `eq` / `ne` compare strings, numbers, booleans and null strictly (no coercion: `"1"`
 *   is not `1`); objects and lists compare false.
 * - `lt` / `lte` / `gt` / `gte` compare two numbers or two strings (code-unit order);
 *   any other pair, NaN included, is false.
 * - `in: [needle, list]` is true when the list (a literal or a referenced array) holds
 *   the needle strictly equal.
 * - `exists: { ref }` is true when the value is present and not null.
 * - Dates read as epoch milliseconds; `environment.now` is the decision time in ms.
 * - `ipInCidr: [address, range | ranges]` parses the address strictly (see ip.ts).
 * - `timeBetween: [from, to]` holds when the UTC hour of `environment.now` (fractional:
 *   9.5 is 09:30) is >= from and < to; from > to wraps past midnight (`[22, 6]`).
 * Evaluation does not throw on data: nothing here calls a method of an attribute value
 * (a throwing getter on a caller's object is caught by the authorizer: `evaluator_error`).
 */
export function compileCondition(condition: Condition): Predicate {
  if ("all" in condition) {
    const parts = condition.all.map(compileCondition);
    return (scope) => {
      for (let i = 0; i < parts.length; i++) if (!parts[i]!(scope)) return false;
      return true;
    };
  }
  if ("any" in condition) {
    const parts = condition.any.map(compileCondition);
    return (scope) => {
      for (let i = 0; i < parts.length; i++) if (parts[i]!(scope)) return true;
      return false;
    };
  }
  if ("not" in condition) {
    const inner = compileCondition(condition.not);
    return (scope) => !inner(scope);
  }
  if ("eq" in condition) return compare(condition.eq, (a, b) => equal(a, b));
  if ("ne" in condition) return compare(condition.ne, (a, b) => isScalar(a) && isScalar(b) && !equal(a, b));
  if ("lt" in condition) return compare(condition.lt, (a, b) => ordered(a, b) && (a as number) < (b as number));
  if ("lte" in condition) return compare(condition.lte, (a, b) => ordered(a, b) && (a as number) <= (b as number));
  if ("gt" in condition) return compare(condition.gt, (a, b) => ordered(a, b) && (a as number) > (b as number));
  if ("gte" in condition) return compare(condition.gte, (a, b) => ordered(a, b) && (a as number) >= (b as number));
  if ("in" in condition) return compileIn(condition.in[0], condition.in[1]);
  if ("exists" in condition) {
    const read = compileReference(condition.exists.ref);
    return (scope) => {
      const value = read(scope);
      return value !== undefined && value !== null;
    };
  }
  if ("ipInCidr" in condition) {
    const read = operand(condition.ipInCidr[0]);
    const texts = condition.ipInCidr[1];
    const ranges: CIDR[] = (typeof texts === "string" ? [texts] : texts).map((text) => parseCIDR(text)!);
    return (scope) => {
      const address = parseIP(read(scope));
      if (address === null) return false;
      for (let i = 0; i < ranges.length; i++) if (cidrContains(ranges[i]!, address)) return true;
      return false;
    };
  }
  const [from, to] = condition.timeBetween;
  return (scope) => {
    const now = scope.now;
    if (!Number.isFinite(now)) return false;
    const hour = (((now % DAY) + DAY) % DAY) / HOUR;
    return from < to ? hour >= from && hour < to : hour >= from || hour < to;
  };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function operand(value: Operand): Resolver {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return compileReference((value as { ref: string }).ref);
  return () => value;
}

function compare(pair: readonly [Operand, Operand], test: (a: unknown, b: unknown) => boolean): Predicate {
  const left = operand(pair[0]);
  const right = operand(pair[1]);
  return (scope) => {
    const a = left(scope);
    if (a === undefined) return false;
    const b = right(scope);
    return b !== undefined && test(a, b);
  };
}

function compileIn(needle: Operand, haystack: Operand): Predicate {
  const readNeedle = operand(needle);
  if (Array.isArray(haystack)) {
    // A literal list becomes a Set once: `in` over 256 literals costs one lookup.
    const set = new Set<unknown>(haystack);
    return (scope) => {
      const value = readNeedle(scope);
      return isScalar(value) && set.has(value);
    };
  }
  const readList = operand(haystack);
  return (scope) => {
    const value = readNeedle(scope);
    if (!isScalar(value)) return false;
    const list = readList(scope);
    if (!Array.isArray(list)) return false;
    for (let i = 0; i < list.length; i++) if (list[i] === value) return true;
    return false;
  };
}

function isScalar(value: unknown): value is string | number | boolean | null {
  const type = typeof value;
  return value === null || type === "string" || type === "boolean" || (type === "number" && !Number.isNaN(value));
}

function equal(a: unknown, b: unknown): boolean {
  return isScalar(a) && isScalar(b) && a === b;
}

function ordered(a: unknown, b: unknown): boolean {
  const type = typeof a;
  if (type !== typeof b) return false;
  if (type === "number") return !Number.isNaN(a) && !Number.isNaN(b);
  return type === "string";
}
