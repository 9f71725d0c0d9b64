import type { PolicyEvaluator, PolicyOutcome, PolicyRequest } from "../ports/authorization.js";
import { parseAction } from "./permission.js";
import { compilePolicies } from "./policies.js";
import type { MatchedRule, PolicyDocument } from "./types.js";

/**
 * The built-in attribute engine behind the `PolicyEvaluator` port, for callers that
 * want it standalone (a policy service, a test). `createAuthorizer({ policies })`
 * uses the same compiled engine directly, without the port's promise.
 * Documents are validated and compiled here: a problem throws `ConfigurationError`.
 */
export function attributePolicies(documents: readonly PolicyDocument[]): PolicyEvaluator {
  const set = compilePolicies(documents);
  return {
    async evaluate(request: PolicyRequest): Promise<readonly PolicyOutcome[]> {
      const target = parseAction(request.action);
      if (target === null) return [];
      const rules: MatchedRule[] = [];
      const now = request.environment.now.getTime();
      const { subject } = request;
      const scope = { subject, roleIds: subject.roleIds ?? [], grants: subject.grants ?? [], resource: request.resource, action: target.permission, environment: request.environment, now };
      set.evaluate(target, scope, rules);
      return rules.map((rule) => ({ policyId: rule.id, effect: rule.effect }));
    },
  };
}
