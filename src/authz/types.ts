import type { AuthzEnvironment, AuthzResource, AuthzSubject, Permission } from "../ports/authorization.js";

/**
 * Stable reason codes: clients, dashboards and audit queries may switch on them.
 * - `allowed`: a role, grant or allow policy permits the action (and nothing above forbids it).
 * - `explicit_deny`: a deny grant or a deny policy applies.
 * - `tenant_boundary`: the resource belongs to another tenant than the subject's.
 * - `scope_limit`: the subject carries scopes (an API key) and none covers the action.
 * - `default_deny`: nothing allows the action.
 * - `evaluator_error`: the policy evaluator failed; without its answer nothing is allowed.
 * - `invalid_request`: the action is not a concrete permission, or the subject is malformed.
 */
export type DecisionReason =
  | "allowed"
  | "explicit_deny"
  | "tenant_boundary"
  | "scope_limit"
  | "default_deny"
  | "evaluator_error"
  | "invalid_request";

/** One rule that decided. */
export interface MatchedRule {
  kind: "role" | "grant" | "policy" | "scope";
  /** Role id, grant id (its permission when unnamed), policy id, or the scope pattern. */
  id: string;
  /** The pattern that matched (roles, grants, scopes). Policies name none. */
  permission?: Permission;
  effect: "allow" | "deny";
}

export interface Decision {
  allowed: boolean;
  reason: DecisionReason;
  /**
   * The rules that decided: for `allowed`, every allowing role / grant / policy and the
   * scope that admitted the action; for `explicit_deny`, every deny that applied; empty
   * for the other reasons (the reason alone explains them).
   */
  matched: readonly MatchedRule[];
  /** True when an audit event was written for this decision (denials always try; allows with `auditAllows`). */
  audited: boolean;
}

export interface AuthorizationRequest {
  subject: AuthzSubject;
  /** A concrete permission: `doc:read`, never a pattern. */
  action: Permission;
  resource?: AuthzResource | null;
  environment?: AuthzEnvironment;
  /** Correlates the audit event with the HTTP request that caused it. */
  requestId?: string;
}

/** `tenantId: null`: a role definition usable in any tenant; otherwise only in that one. */
export interface RoleDefinition {
  id: string;
  permissions: readonly Permission[];
  tenantId: string | null;
  description?: string;
}

/** A literal, or `{ ref: "resource.attributes.ownerId" }` read from the request. */
export type Operand = { ref: string } | string | number | boolean | null | readonly (string | number | boolean | null)[];

/**
 * The policy condition language (JSON-serialisable). See src/authz/condition-schema.ts
 * for the caps and src/authz/condition-compile.ts for the semantics.
 */
export type Condition =
  | { all: readonly Condition[] }
  | { any: readonly Condition[] }
  | { not: Condition }
  | { eq: readonly [Operand, Operand] }
  | { ne: readonly [Operand, Operand] }
  | { lt: readonly [Operand, Operand] }
  | { lte: readonly [Operand, Operand] }
  | { gt: readonly [Operand, Operand] }
  | { gte: readonly [Operand, Operand] }
  | { in: readonly [Operand, Operand] }
  | { exists: { ref: string } }
  | { ipInCidr: readonly [Operand, string | readonly string[]] }
  | { timeBetween: readonly [number, number] };

export interface PolicyDocument {
  id: string;
  effect: "allow" | "deny";
  /** Permission patterns this policy applies to (`doc:*`, `*:delete`, `*`). */
  actions: readonly Permission[];
  /** Absent: the policy applies whenever an action matches. */
  condition?: Condition;
  description?: string;
}
