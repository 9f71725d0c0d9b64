import * as v from "valibot";
import { ConfigurationError } from "../core/errors.js";
import { compileCondition, type Predicate } from "./condition-compile.js";
import { CONDITION_LIMITS, ConditionSchema, measureCondition } from "./condition-schema.js";
import { buildPermissionIndex } from "./permission-index.js";
import { parsePattern, type ParsedAction, type PermissionPattern } from "./permission.js";
import type { EvaluationScope } from "./references.js";
import type { MatchedRule, PolicyDocument } from "./types.js";
import { IdSchema, parseConfig, PatternSchema } from "./validate.js";

export const POLICY_LIMITS = Object.freeze({ maxPolicies: 1000, maxActionsPerPolicy: 64 });

const PolicySchema = v.strictObject({
  id: IdSchema,
  effect: v.picklist(["allow", "deny"]),
  actions: v.pipe(
    v.array(PatternSchema),
    v.minLength(1),
    v.maxLength(POLICY_LIMITS.maxActionsPerPolicy),
  ),
  condition: v.optional(ConditionSchema),
  description: v.optional(v.pipe(v.string(), v.maxLength(1024))),
});
const PoliciesSchema = v.pipe(v.array(PolicySchema), v.maxLength(POLICY_LIMITS.maxPolicies));

interface CompiledPolicy {
  test: Predicate | null;
  /** Shared and frozen: decisions list it without allocating. */
  rule: MatchedRule;
}

/** Policy documents validated and compiled once; the built-in attribute engine. */
export interface PolicySet {
  /** Appends the rule of every policy whose actions match `target` and whose condition holds. */
  evaluate(target: ParsedAction, scope: EvaluationScope, out: MatchedRule[]): void;
  readonly size: number;
}

/** Validates documents (valibot) and compiles them; any problem throws `ConfigurationError`. */
export function compilePolicies(input: readonly PolicyDocument[] | undefined, where = "policies"): PolicySet {
  const documents = parseConfig(PoliciesSchema, input ?? [], where) as PolicyDocument[];
  const ids = new Set<string>();
  const entries: { pattern: PermissionPattern; value: CompiledPolicy }[] = [];
  documents.forEach((document, i) => {
    if (ids.has(document.id)) throw new ConfigurationError(`${where}[${i}]: the policy id "${document.id}" is used twice`);
    ids.add(document.id);
    let test: Predicate | null = null;
    if (document.condition !== undefined) {
      const { depth, nodes } = measureCondition(document.condition);
      if (depth > CONDITION_LIMITS.maxDepth) {
        throw new ConfigurationError(`${where}[${i}] ("${document.id}"): condition nests ${depth} operators deep, the limit is ${CONDITION_LIMITS.maxDepth}`);
      }
      if (nodes > CONDITION_LIMITS.maxNodes) {
        throw new ConfigurationError(`${where}[${i}] ("${document.id}"): condition has ${nodes} nodes, the limit is ${CONDITION_LIMITS.maxNodes}`);
      }
      test = compileCondition(document.condition);
    }
    const compiled: CompiledPolicy = { test, rule: Object.freeze({ kind: "policy", id: document.id, effect: document.effect }) };
    for (const action of new Set(document.actions)) entries.push({ pattern: parsePattern(action)!, value: compiled });
  });
  const index = buildPermissionIndex(entries);
  return {
    size: ids.size,
    evaluate(target, scope, out): void {
      const candidates: CompiledPolicy[] = [];
      index.collect(target, candidates);
      const start = out.length;
      next: for (let c = 0; c < candidates.length; c++) {
        const policy = candidates[c]!;
        // A policy listing two matching patterns (doc:read and doc:*) is one rule.
        for (let i = start; i < out.length; i++) if (out[i] === policy.rule) continue next;
        if (policy.test === null || policy.test(scope)) out.push(policy.rule);
      }
    },
  };
}
