import type { AuthzEnvironment, AuthzResource, AuthzSubject, Grant, PolicyEvaluator, PolicyOutcome } from "../ports/authorization.js";
import type { ParsedAction } from "./permission.js";
import type { PolicySet } from "./policies.js";
import type { MatchedRule } from "./types.js";

/** What the policy layer found for one request. `failed`: its answer is unknown. */
export interface PolicyFindings {
  denies: readonly MatchedRule[];
  allows: readonly MatchedRule[];
  failed: boolean;
}

export interface PolicyInput {
  target: ParsedAction;
  subject: AuthzSubject;
  /** Effective roles and grants: the subject's own plus the assignment source's. */
  roleIds: readonly string[];
  grants: readonly Grant[];
  resource: AuthzResource | null;
  environment: AuthzEnvironment;
  now: Date;
}

/** The built-in policies and an optional `PolicyEvaluator`, asked together. */
export interface PolicyLayer {
  /** Synchronous when only built-in policies are configured (no microtask on the hot path). */
  evaluate(input: PolicyInput): PolicyFindings | Promise<PolicyFindings>;
}

/** No answer at all (the layer itself broke). */
export const FAILED: PolicyFindings = Object.freeze({ denies: Object.freeze([]), allows: Object.freeze([]), failed: true });

/** The evaluator failed: built-in denies still count (a known deny beats an unknown answer), allows do not. */
const failedWith = (rules: readonly MatchedRule[]): PolicyFindings => ({ denies: findings(rules).denies, allows: [], failed: true });

/**
 * Null when there is nothing to ask, so the authorizer skips building any policy input.
 * `timeoutMs` bounds the evaluator: a hung policy service is an `evaluator_error`, not a hung request.
 */
export function policyLayer(policies: PolicySet | null, evaluator: PolicyEvaluator | null, timeoutMs: number): PolicyLayer | null {
  const builtIn = policies !== null && policies.size > 0 ? policies : null;
  if (builtIn === null && evaluator === null) return null;
  return {
    evaluate(input) {
      const rules: MatchedRule[] = [];
      try {
        builtIn?.evaluate(
          input.target,
          { subject: input.subject, roleIds: input.roleIds, grants: input.grants, resource: input.resource, action: input.target.permission, environment: input.environment, now: input.now.getTime() },
          rules,
        );
      } catch {
        // Only a throwing getter on caller data can get here; unknown means no answer.
        return FAILED;
      }
      if (evaluator === null) return findings(rules);
      let pending: Promise<readonly PolicyOutcome[]>;
      try {
        pending = evaluator.evaluate({
          // A remote evaluator gets one self-contained subject; copied only on this path.
          subject: input.subject.roleIds === input.roleIds && input.subject.grants === input.grants ? input.subject : { ...input.subject, roleIds: input.roleIds, grants: input.grants },
          action: input.target.permission,
          resource: input.resource,
          environment: { ...input.environment, now: input.now },
        });
      } catch {
        return failedWith(rules);
      }
      const builtInCount = rules.length;
      return withDeadline(Promise.resolve(pending), timeoutMs).then(
        (outcomes) => (appendOutcomes(outcomes, rules) ? findings(rules) : failedWith(rules.slice(0, builtInCount))),
        () => failedWith(rules),
      );
    },
  };
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`policy evaluator answered nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** False when the evaluator answered something that is not a list of outcomes: fail closed. */
function appendOutcomes(outcomes: unknown, rules: MatchedRule[]): boolean {
  if (!Array.isArray(outcomes)) return false;
  for (const outcome of outcomes as unknown[]) {
    if (typeof outcome !== "object" || outcome === null) return false;
    const { policyId, effect } = outcome as Partial<PolicyOutcome>;
    if (typeof policyId !== "string" || (effect !== "allow" && effect !== "deny")) return false;
    rules.push({ kind: "policy", id: policyId, effect });
  }
  return true;
}

function findings(rules: readonly MatchedRule[]): PolicyFindings {
  const denies: MatchedRule[] = [];
  const allows: MatchedRule[] = [];
  for (const rule of rules) (rule.effect === "deny" ? denies : allows).push(rule);
  return { denies, allows, failed: false };
}
