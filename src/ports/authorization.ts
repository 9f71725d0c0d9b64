import type { Store } from "./consistency.js";

/**
 * A permission names one action on one kind of resource: `resource:action`
 * (`doc:read`, `billing.invoice:refund`). Segments use letters, digits, `_`, `-`
 * and `.`. Where a PATTERN is accepted (role permissions, grants, scopes,
 * policy actions) a segment may be `*` (any single segment), and `*` alone
 * matches everything; partial globs (`do*:read`) are invalid. The grammar and
 * matching live in src/authz/permission.ts.
 */
export type Permission = string;

/** Never assume user = human: services and API keys are subjects too. */
export type SubjectType = "user" | "service" | "api_key";

/** A permission attached directly to a subject (within a tenant), outside any role. */
export interface Grant {
  /** A permission or a pattern (`doc:*`). */
  permission: Permission;
  /** `deny` is an explicit deny: it beats every allow. */
  effect: "allow" | "deny";
  /** Named in decisions and audit events; defaults to the permission. */
  id?: string;
}

/**
 * Who asks. A `Principal` from the read path is a valid subject as it is (no
 * tenant, no roles); `subjectFrom(principal, { tenantId, roleIds, ... })` adds
 * what the caller knows. Extra fields (a principal's `email`, ...) stay readable
 * by policies as `subject.<field>`.
 */
export interface AuthzSubject {
  type: SubjectType;
  id: string;
  /**
   * For an API key: the principal it acts for. Its roles and grants are looked up under this
   * id (the key's scopes then bound them); ignored for other subject types.
   */
  ownerId?: string;
  /** The tenant the subject acts in; null (or absent) reaches only resources without a tenant. */
  tenantId?: string | null;
  /** Role ids held in `tenantId`, merged with what the `AssignmentSource` returns. */
  roleIds?: readonly string[];
  /** Direct grants and explicit denies in `tenantId`, merged with the `AssignmentSource`'s. */
  grants?: readonly Grant[];
  /**
   * An upper bound (API keys): when present, an action must match one of these patterns,
   * whatever the roles allow. Absent: no bound. Empty: nothing is allowed.
   */
  scopes?: readonly Permission[];
  /** Free attributes for policies (`subject.attributes.department`). */
  attributes?: Readonly<Record<string, unknown>>;
}

/** What is acted on. Omit it (null) for checks that concern no particular object. */
export interface AuthzResource {
  type: string;
  id?: string | null;
  /** The owning tenant; null (or absent) means the resource belongs to no tenant. */
  tenantId?: string | null;
  /** Free attributes for policies (`resource.attributes.ownerId`). */
  attributes?: Readonly<Record<string, unknown>>;
}

/** Facts about the request itself, for policies (`environment.*`). */
export interface AuthzEnvironment {
  /** Defaults to the authorizer's clock. Policies read it as epoch milliseconds. */
  now?: Date;
  /** The client address (from a trusted proxy header), IPv4 or IPv6. */
  ip?: string | null;
  /** Authentication methods of the session (RFC 8176: "pwd", "otp", "hwk", ...). */
  amr?: readonly string[];
  /** 0 (no risk) to 100, from a `RiskEvaluator`. */
  riskScore?: number;
  readonly [name: string]: unknown;
}

/** What a policy evaluator sees: the subject with its effective roles and grants. */
export interface PolicyRequest {
  subject: AuthzSubject;
  /** A concrete permission (no wildcard). */
  action: Permission;
  resource: AuthzResource | null;
  /** `now` is always set. */
  environment: AuthzEnvironment & { now: Date };
}

/** One policy that applies to the request. */
export interface PolicyOutcome {
  policyId: string;
  effect: "allow" | "deny";
}

/**
 * Policy evaluation behind a port: the built-in attribute engine
 * (`attributePolicies(documents)`) implements it, and so can a remote policy
 * service. It returns every policy that applies (an empty list: none). A
 * rejection, or a malformed outcome, makes the decision fail CLOSED
 * (`evaluator_error`), never allow.
 */
export interface PolicyEvaluator {
  evaluate(request: PolicyRequest): Promise<readonly PolicyOutcome[]>;
}

/** Roles and grants of one subject within one tenant. */
export interface Assignments {
  roleIds: readonly string[];
  grants: readonly Grant[];
}

/**
 * Where role attachments and direct grants live. Looked up per decision with the
 * subject's tenant (null: assignments outside any tenant). An `eventual` store
 * means a revoked role may still allow for as long as reads are stale. A failure
 * must reject: the authorizer turns it into `StorageError` (503), never allow.
 */
export interface AssignmentSource extends Store {
  assignmentsFor(subjectId: string, tenantId: string | null): Promise<Assignments>;
}
