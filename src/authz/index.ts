/**
 * Authorization (0.3): RBAC, ABAC and the policy evaluator port, one decision
 * procedure. Pure and runtime-neutral: no `node:*`, no store; state lives behind
 * `AssignmentSource` and `PolicyEvaluator` (src/ports/authorization.ts).
 * The resolution order is documented on `resolve` in ./decide.ts.
 */
export { createAuthorizer, type Authorizer, type AuthorizerOptions, type AuthorizeOptions } from "./authorizer.js";
export { attributePolicies } from "./attribute-policies.js";
export { auditToSink, type AuthorizationAuditor } from "./audit.js";
export type { DryRunOptions, DryRunStats } from "./dry-run.js";
export { memoryAssignments, type AssignmentEntry, type MemoryAssignments } from "./memory-assignments.js";
export { isValidPattern, permissionMatches, requirePermissionString, type ParsedAction } from "./permission.js";
/** Building blocks of the framework helpers (portcullis/hono, portcullis/next), for other frameworks. */
export { forbiddenResponse, requestEnvironment, unauthenticatedJson, type RequestEnvironmentOptions } from "./http.js";
export {
  coversPattern,
  intersectPatterns,
  patternCovers,
  patternsOverlap,
  staticPermissions,
  uncoveredPatterns,
  type EffectivePermissions,
} from "./coverage.js";
export { subjectFrom, type SubjectExtras } from "./subject.js";
export { CONDITION_LIMITS } from "./condition-schema.js";
export { POLICY_LIMITS } from "./policies.js";
export { ROLE_LIMITS } from "./roles.js";
export type { AuthorizationRequest, Condition, Decision, DecisionReason, MatchedRule, Operand, PolicyDocument, RoleDefinition } from "./types.js";
export type * from "../ports/authorization.js";
