import type { Decision, MatchedRule } from "./types.js";

/**
 * Everything the resolution order needs, gathered by the authorizer for one request.
 */
export interface Facts {
  /** Deny grants and deny policies that apply. */
  denies: readonly MatchedRule[];
  /** The policy evaluator failed: whether a deny policy applies is unknown. */
  evaluatorFailed: boolean;
  /** The resource has a tenant and it is not the subject's. */
  crossTenant: boolean;
  /** `null`: the subject carries no scopes (no bound); a rule: the scope that covers the action; `false`: none does. */
  scope: MatchedRule | null | false;
  /** Allowing roles, grants and policies. */
  allows: readonly MatchedRule[];
}

/**
 * THE RESOLUTION ORDER (locked for 0.3; the first that applies decides):
 *
 *   1. explicit deny    a deny grant or a deny policy applies          -> deny  `explicit_deny`
 *   2. evaluator error  the policy evaluator failed, so an explicit
 *                       deny cannot be ruled out                       -> deny  `evaluator_error`
 *   3. tenant boundary  the resource has a tenant and it is not the
 *                       subject's (a subject without a tenant reaches
 *                       only resources without one)                    -> deny  `tenant_boundary`
 *   4. scope limit      the subject carries scopes (API keys) and none
 *                       matches the action                             -> deny  `scope_limit`
 *   5. allow            a role, a direct grant or an allow policy
 *                       matches                                        -> allow `allowed`
 *   6. default deny     nothing matched                                -> deny  `default_deny`
 *
 * So a deny can never be overridden by any allow, tenant isolation and API-key scopes
 * are upper bounds no role or policy can widen, and silence is a deny. The evaluator
 * error sits right under explicit deny because it stands for "a deny we could not see".
 */
/** A new decision, `audited: false` until an event is written. */
export function resolve(facts: Facts): Decision {
  if (facts.denies.length > 0) return { allowed: false, reason: "explicit_deny", matched: facts.denies, audited: false };
  if (facts.evaluatorFailed) return { allowed: false, reason: "evaluator_error", matched: NONE, audited: false };
  if (facts.crossTenant) return { allowed: false, reason: "tenant_boundary", matched: NONE, audited: false };
  if (facts.scope === false) return { allowed: false, reason: "scope_limit", matched: NONE, audited: false };
  if (facts.allows.length > 0) {
    return { allowed: true, reason: "allowed", matched: facts.scope === null ? facts.allows : [...facts.allows, facts.scope], audited: false };
  }
  return { allowed: false, reason: "default_deny", matched: NONE, audited: false };
}

const NONE: readonly MatchedRule[] = Object.freeze([]);

/** The action is not a concrete permission, or the subject is malformed. */
export function invalidRequest(): Decision {
  return { allowed: false, reason: "invalid_request", matched: NONE, audited: false };
}
