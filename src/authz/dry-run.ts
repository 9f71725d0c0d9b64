import { ConfigurationError } from "../core/errors.js";
import type { PolicyEvaluator } from "../ports/authorization.js";
import { compilePolicies } from "./policies.js";
import { policyLayer, type PolicyLayer } from "./policy-layer.js";
import type { AuthorizationRequest, Decision, PolicyDocument } from "./types.js";

/**
 * A candidate policy layer evaluated beside the live one and never enforced: it
 * replaces the live policies and evaluator only (roles, grants, tenant and scopes are
 * shared), so a difference is exactly what the new policies would change.
 */
export interface DryRunOptions {
  policies?: readonly PolicyDocument[];
  evaluator?: PolicyEvaluator;
  /**
   * Called when the candidate's decision differs from the live one (`allowed` or
   * `reason`). It runs after the live decision is made; what it throws is ignored.
   */
  onDifference?: (request: AuthorizationRequest, live: Decision, candidate: Decision) => void;
}

export interface DryRunStats {
  /** Decisions the candidate was evaluated for. */
  compared: number;
  /** Of those, how many it would have decided differently. */
  differences: number;
  /** Of those, how many the candidate evaluator failed on (candidate reason `evaluator_error`). */
  candidateErrors: number;
}

export interface DryRun {
  /** Null when the candidate is an empty policy set: every decision is then judged without policies. */
  readonly layer: PolicyLayer | null;
  report(request: AuthorizationRequest, live: Decision, candidate: Decision): void;
  stats(): DryRunStats;
}

export function createDryRun(options: DryRunOptions, evaluatorTimeoutMs: number): DryRun {
  if (options.policies === undefined && options.evaluator === undefined) {
    throw new ConfigurationError("dryRun needs candidate policies or a candidate evaluator");
  }
  const layer = policyLayer(compilePolicies(options.policies, "dryRun.policies"), options.evaluator ?? null, evaluatorTimeoutMs);
  const stats: DryRunStats = { compared: 0, differences: 0, candidateErrors: 0 };
  return {
    layer,
    report(request, live, candidate): void {
      stats.compared++;
      if (candidate.reason === "evaluator_error") stats.candidateErrors++;
      if (candidate.allowed === live.allowed && candidate.reason === live.reason) return;
      stats.differences++;
      try {
        options.onDifference?.(request, live, candidate);
      } catch {
        // A reporting hook must not change or break the live decision.
      }
    },
    stats: () => ({ ...stats }),
  };
}
