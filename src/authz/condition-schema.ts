import * as v from "valibot";
import { parseCIDR } from "./ip.js";
import { isValidReference } from "./references.js";
import type { Condition } from "./types.js";

/**
 * Caps on a policy condition, checked at configuration time so evaluation cost is
 * bounded whatever the policy author wrote (and a hostile document cannot blow the
 * stack while being validated).
 */
export const CONDITION_LIMITS = Object.freeze({
  /** Operators nested inside each other (`{ not: { all: [ { eq: ... } ] } }` is 3). */
  maxDepth: 10,
  /** Operators plus operands in one condition. */
  maxNodes: 256,
  /** Children of `all` / `any`. */
  maxChildren: 64,
  /** Items of a literal list and CIDR ranges of one `ipInCidr`. */
  maxListItems: 256,
  /** Characters of a literal string. */
  maxStringLength: 1024,
});

export const OPERATORS = ["all", "any", "not", "eq", "ne", "lt", "lte", "gt", "gte", "in", "exists", "ipInCidr", "timeBetween"] as const;
export type Operator = (typeof OPERATORS)[number];

const Ref = v.strictObject({
  ref: v.pipe(
    v.string(),
    v.check(isValidReference, "must be action, or subject. / resource. / environment. followed by 1 to 8 property names ([A-Za-z0-9_-])"),
  ),
});
const Scalar = v.union([
  v.pipe(v.string(), v.maxLength(CONDITION_LIMITS.maxStringLength)),
  v.pipe(v.number(), v.finite()),
  v.boolean(),
  v.null(),
]);
const List = v.pipe(v.array(Scalar), v.maxLength(CONDITION_LIMITS.maxListItems));
const Operand = v.union([Ref, Scalar, List], "must be { ref: ... }, a string, a finite number, a boolean, null or a list of those");
const Pair = v.strictTuple([Operand, Operand]);
const CIDRText = v.pipe(
  v.string(),
  v.check((text) => parseCIDR(text) !== null, "must be an IPv4 or IPv6 address or CIDR range (10.0.0.0/8, 2001:db8::/32)"),
);
const Hour = v.pipe(v.number(), v.minValue(0), v.maxValue(24));

const Children = (): v.GenericSchema<Condition[]> =>
  v.pipe(v.array(v.lazy(() => ConditionSchema)), v.minLength(1), v.maxLength(CONDITION_LIMITS.maxChildren));

const BY_OPERATOR: Record<Operator, v.GenericSchema<unknown>> = {
  all: v.strictObject({ all: Children() }),
  any: v.strictObject({ any: Children() }),
  not: v.strictObject({ not: v.lazy(() => ConditionSchema) }),
  eq: v.strictObject({ eq: Pair }),
  ne: v.strictObject({ ne: Pair }),
  lt: v.strictObject({ lt: Pair }),
  lte: v.strictObject({ lte: Pair }),
  gt: v.strictObject({ gt: Pair }),
  gte: v.strictObject({ gte: Pair }),
  in: v.strictObject({
    in: v.pipe(
      Pair,
      v.check((pair) => Array.isArray(pair[1]) || (typeof pair[1] === "object" && pair[1] !== null), "the second operand of in must be a list or a { ref }"),
    ),
  }),
  exists: v.strictObject({ exists: Ref }),
  ipInCidr: v.strictObject({
    ipInCidr: v.strictTuple([Operand, v.union([CIDRText, v.pipe(v.array(CIDRText), v.minLength(1), v.maxLength(CONDITION_LIMITS.maxListItems))])]),
  }),
  timeBetween: v.strictObject({
    timeBetween: v.pipe(
      v.strictTuple([Hour, Hour]),
      v.check((pair) => pair[0] !== pair[1], "timeBetween needs two different UTC hours (from inclusive, to exclusive; from > to wraps past midnight)"),
    ),
  }),
};

const NOT_A_CONDITION = v.custom<never>(() => false, `a condition is an object with exactly one operator key: ${OPERATORS.join(", ")}`);

/** Picks the schema by the node's single key, so an error points into the operator that is wrong. */
export const ConditionSchema: v.GenericSchema<Condition> = v.lazy((input) => {
  const op = operatorOf(input);
  return (op === null ? NOT_A_CONDITION : BY_OPERATOR[op]) as v.GenericSchema<Condition>;
});

export function operatorOf(node: unknown): Operator | null {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return null;
  const keys = Object.keys(node);
  if (keys.length !== 1) return null;
  const key = keys[0]!;
  return (OPERATORS as readonly string[]).includes(key) ? (key as Operator) : null;
}

/**
 * A structural guard run BEFORE the schema: bounds nesting and size of any input
 * (including cyclic objects) so validation itself stays cheap. Returns a problem or null.
 */
export function rawShapeProblem(value: unknown, maxDepth = 64, maxValues = 10_000): string | null {
  let count = 0;
  const visit = (node: unknown, depth: number): string | null => {
    if (++count > maxValues) return `more than ${maxValues} values`;
    if (depth > maxDepth) return `nested deeper than ${maxDepth} levels`;
    if (typeof node !== "object" || node === null) return null;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      const problem = visit(child, depth + 1);
      if (problem !== null) return problem;
    }
    return null;
  };
  return visit(value, 0);
}

/** Operator depth and node count of a validated condition, for the caps. */
export function measureCondition(condition: Condition): { depth: number; nodes: number } {
  let nodes = 0;
  const walk = (node: Condition): number => {
    nodes++;
    if ("all" in node) return 1 + Math.max(...node.all.map(walk));
    if ("any" in node) return 1 + Math.max(...node.any.map(walk));
    if ("not" in node) return 1 + walk(node.not);
    // Leaves: one node per operand; a literal list is one (compiled to a Set, or a bounded list of ranges).
    nodes += "exists" in node ? 1 : 2;
    return 1;
  };
  const depth = walk(condition);
  return { depth, nodes };
}
