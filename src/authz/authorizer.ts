import { systemClock, type Clock } from "../core/context.js";
import { AuditError, AuthError, ConfigurationError, StorageError } from "../core/errors.js";
import type {
  AssignmentSource,
  Assignments,
  AuthzEnvironment,
  AuthzResource,
  AuthzSubject,
  Grant,
  Permission,
  PolicyEvaluator,
} from "../ports/authorization.js";
import { decisionRecord, type AuthorizationAuditor } from "./audit.js";
import { staticPermissions, type EffectivePermissions } from "./coverage.js";
import { invalidRequest, resolve, type Facts } from "./decide.js";
import { createDryRun, type DryRunOptions, type DryRunStats } from "./dry-run.js";
import { parseAction, type ParsedAction } from "./permission.js";
import { compilePolicies } from "./policies.js";
import { FAILED, policyLayer, type PolicyFindings, type PolicyInput, type PolicyLayer } from "./policy-layer.js";
import { compileRoles } from "./roles.js";
import { collectGrants, matchScope, mergeRoleIds } from "./subject-rules.js";
import type { AuthorizationRequest, Decision, MatchedRule, PolicyDocument, RoleDefinition } from "./types.js";

export interface AuthorizerOptions {
  /** Role definitions, validated and precompiled here. */
  roles?: readonly RoleDefinition[];
  /** Attribute policies for the built-in engine, validated (valibot) and compiled here. */
  policies?: readonly PolicyDocument[];
  /** Your own policy evaluator (a remote service), asked beside the built-in policies. */
  evaluator?: PolicyEvaluator;
  /** How long an evaluator (live or dry-run candidate) may take, in ms; then `evaluator_error`. Default 3000. */
  evaluatorTimeout?: number;
  /** Where role attachments and grants per tenant live; without it only the subject's own count. */
  assignments?: AssignmentSource;
  /** Required: every denial is audited. `auditToSink(stores.audit)`, or an explicit no-op. */
  audit: AuthorizationAuditor;
  /**
   * Audit allows too. Off by default: allows are the hot path and most of the volume.
   * When on, an allow whose event cannot be written is not given: `authorize` rejects
   * with `AuditError` (503 `audit_unavailable`), as sign-in does.
   */
  auditAllows?: boolean;
  /** `environment.now` when the request gives none; tests pass `fixedClock(...)`. */
  clock?: Clock;
  /** A candidate policy layer to compare against the live one, never enforced. */
  dryRun?: DryRunOptions;
}

export interface AuthorizeOptions {
  environment?: AuthzEnvironment;
  requestId?: string;
}

export interface Authorizer {
  /**
   * Decides one request (resolution order: src/authz/decide.ts). Never allows on a
   * failure: an evaluator failure is a denial (`evaluator_error`); a failing assignment
   * source rejects with `StorageError` (503); with `auditAllows`, an unwritten allow
   * rejects with `AuditError`. Every denial is audited; when the audit write fails the
   * denial stands and `audited` is false.
   */
  authorize(request: AuthorizationRequest): Promise<Decision>;
  /** The same, for any runtime: `authorize(principal, "doc:read", { type: "doc", id, tenantId })`. */
  authorize(subject: AuthzSubject, action: Permission, resource?: AuthzResource | null, options?: AuthorizeOptions): Promise<Decision>;
  /** Dry-run counters, or null without `dryRun`. */
  dryRunStats(): DryRunStats | null;
  /**
   * What the subject statically holds in its tenant, for escalation checks (src/authz/coverage.ts):
   * `allow` = the permissions of its roles defined for that tenant (or for any) plus its allow
   * grants, each narrowed to the subject's scopes when it has some (an API key); `deny` = its deny
   * grants. Policies are left out on purpose. For an API key, the owner's roles and grants are read.
   * Throws `StorageError` when the assignment source fails; a malformed subject holds nothing.
   */
  effectivePermissions(subject: AuthzSubject): Promise<EffectivePermissions>;
  /** The configured role definition with this id (a frozen copy), or null. */
  role(id: string): RoleDefinition | null;
}

const SUBJECT_TYPES = new Set(["user", "service", "api_key"]);
const NO_ENVIRONMENT: AuthzEnvironment = Object.freeze({});
const NO_ROLES: readonly string[] = Object.freeze([]);
const NO_GRANTS: readonly Grant[] = Object.freeze([]);

/**
 * Validates and compiles everything once; misconfiguration throws `ConfigurationError`
 * here, never at request time. Pure and store-agnostic: state lives behind the ports.
 */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  if (typeof options?.audit !== "function") {
    throw new ConfigurationError("createAuthorizer needs `audit` (every denial is audited): auditToSink(stores.audit), or an explicit no-op");
  }
  const roles = compileRoles(options.roles);
  // compileRoles has validated them; keep frozen copies so a caller mutating its array later changes nothing.
  const definitions = new Map<string, RoleDefinition>();
  for (const role of options.roles ?? []) definitions.set(role.id, freezeRole(role));
  const timeout = options.evaluatorTimeout ?? 3000;
  if (!Number.isFinite(timeout) || timeout < 1 || timeout > 60_000) throw new ConfigurationError("evaluatorTimeout must be 1 to 60000 ms");
  const live = policyLayer(compilePolicies(options.policies), options.evaluator ?? null, timeout);
  const dryRun = options.dryRun === undefined ? null : createDryRun(options.dryRun, timeout);
  const assignments = options.assignments ?? null;
  const audit = options.audit;
  const auditAllows = options.auditAllows === true;
  const clock = options.clock ?? systemClock;

  async function decide(request: AuthorizationRequest): Promise<Decision> {
    const target = parseAction(request.action);
    const subject = request.subject;
    if (target === null || !isSubject(subject)) return finish(request, invalidRequest());
    const tenantId = subject.tenantId ?? null;

    let found: Assignments | null = null;
    const holder = holderOf(subject);
    if (assignments !== null) found = await lookUp(assignments, audit, request, holder, tenantId);
    const roleIds = found === null ? (Array.isArray(subject.roleIds) ? subject.roleIds : NO_ROLES) : mergeRoleIds(subject.roleIds, found.roleIds);

    const denies: MatchedRule[] = [];
    const allows: MatchedRule[] = [];
    collectGrants(subject.grants, target, denies, allows);
    if (found !== null) collectGrants(found.grants, target, denies, allows);
    roles.collect(target, roleIds, tenantId, allows);
    const resource = request.resource ?? null;
    const resourceTenant = resource?.tenantId ?? null;
    const base: Facts = {
      denies,
      evaluatorFailed: false,
      crossTenant: resourceTenant !== null && resourceTenant !== tenantId,
      scope: matchScope(subject.scopes, target),
      allows,
    };

    // A deny grant decides alone: no policy evaluation (a remote evaluator costs a round trip).
    let input: PolicyInput | null = null;
    let facts = base;
    if (denies.length === 0 && live !== null) {
      input = policyInput(request, subject, target, roleIds, found?.grants, clock);
      let answer = ask(live, input);
      if (answer instanceof Promise) answer = await answer;
      facts = withPolicies(base, answer);
    }
    const decision = resolve(facts);
    if (dryRun === null) return finish(request, decision);

    let candidateFacts = base;
    if (denies.length === 0 && dryRun.layer !== null) {
      input ??= policyInput(request, subject, target, roleIds, found?.grants, clock);
      let answer = ask(dryRun.layer, input);
      if (answer instanceof Promise) answer = await answer;
      candidateFacts = withPolicies(base, answer);
    }
    const candidate = resolve(candidateFacts);
    const final = await finish(request, decision);
    dryRun.report(request, final, candidate);
    return final;
  }

  /** Audits as configured. Synchronous for an unaudited allow: the hot path pays no extra microtask. */
  function finish(request: AuthorizationRequest, decision: Decision): Decision | Promise<Decision> {
    if (decision.allowed && !auditAllows) return decision;
    return recordDecision(audit, request, decision);
  }

  return {
    authorize(first: AuthorizationRequest | AuthzSubject, action?: Permission, resource?: AuthzResource | null, extra?: AuthorizeOptions): Promise<Decision> {
      if (action === undefined) return decide(first as AuthorizationRequest);
      const request: AuthorizationRequest = { subject: first as AuthzSubject, action, resource: resource ?? null };
      if (extra?.environment !== undefined) request.environment = extra.environment;
      if (extra?.requestId !== undefined) request.requestId = extra.requestId;
      return decide(request);
    },
    dryRunStats: () => dryRun?.stats() ?? null,
    role: (id) => (typeof id === "string" ? (definitions.get(id) ?? null) : null),
    async effectivePermissions(subject): Promise<EffectivePermissions> {
      if (!isSubject(subject)) return { allow: [], deny: [] };
      const tenantId = subject.tenantId ?? null;
      let found: Assignments | null = null;
      if (assignments !== null) {
        try {
          found = await assignments.assignmentsFor(holderOf(subject), tenantId);
          if (typeof found !== "object" || found === null) throw new TypeError("assignmentsFor answered no assignments object");
        } catch (cause) {
          throw cause instanceof AuthError ? cause : new StorageError("assignment source failed", { cause });
        }
      }
      const roleIds = found === null ? (Array.isArray(subject.roleIds) ? subject.roleIds : NO_ROLES) : mergeRoleIds(subject.roleIds, found.roleIds);
      const held: RoleDefinition[] = [];
      for (const id of new Set(roleIds)) {
        const role = definitions.get(id);
        // As in decisions: a role defined for another tenant, or an unknown id, holds nothing.
        if (role !== undefined && (role.tenantId === null || role.tenantId === tenantId)) held.push(role);
      }
      const grants = [...(Array.isArray(subject.grants) ? subject.grants : NO_GRANTS), ...(found?.grants ?? NO_GRANTS)];
      return staticPermissions(held, grants, subject.scopes);
    },
  };
}

/** An API key holds nothing itself: it borrows its owner's roles and grants, bounded by its scopes. */
function holderOf(subject: AuthzSubject): string {
  return subject.type === "api_key" && typeof subject.ownerId === "string" && subject.ownerId !== "" ? subject.ownerId : subject.id;
}

function freezeRole(role: RoleDefinition): RoleDefinition {
  const copy: RoleDefinition = { id: role.id, permissions: Object.freeze([...role.permissions]), tenantId: role.tenantId };
  if (role.description !== undefined) copy.description = role.description;
  return Object.freeze(copy);
}

/**
 * Writes the decision's event. A denial stands whatever the sink says (`audited: false`
 * shows the gap); an allow that must be audited and cannot be is not given.
 */
async function recordDecision(audit: AuthorizationAuditor, request: AuthorizationRequest, decision: Decision): Promise<Decision> {
  try {
    await audit(decisionRecord(request, decision), request);
    decision.audited = true;
  } catch (cause) {
    if (decision.allowed) throw cause instanceof AuditError ? cause : new AuditError("audit sink refused the authorization event", { cause });
  }
  return decision;
}

/** A failing source is not a decision but a refusal all the same: leave a trace, then fail closed (503). */
async function lookUp(source: AssignmentSource, audit: AuthorizationAuditor, request: AuthorizationRequest, subjectId: string, tenantId: string | null): Promise<Assignments> {
  try {
    const found = await source.assignmentsFor(subjectId, tenantId);
    if (typeof found !== "object" || found === null) throw new TypeError("assignmentsFor answered no assignments object");
    return found;
  } catch (cause) {
    try {
      await audit(decisionRecord(request, { allowed: false, reason: "storage_unavailable", matched: [] }), request);
    } catch {
      // The StorageError below is what matters; the sink being down too changes nothing.
    }
    throw cause instanceof AuthError ? cause : new StorageError("assignment source failed", { cause });
  }
}

function isSubject(subject: unknown): subject is AuthzSubject {
  if (typeof subject !== "object" || subject === null) return false;
  const { id, type, tenantId } = subject as Partial<AuthzSubject>;
  return typeof id === "string" && id.length > 0 && SUBJECT_TYPES.has(type as string) && (tenantId == null || typeof tenantId === "string");
}

/** Whatever goes wrong inside a policy layer is an unknown answer: `failed`, never a throw. */
function ask(layer: PolicyLayer, input: PolicyInput): PolicyFindings | Promise<PolicyFindings> {
  try {
    const found = layer.evaluate(input);
    return found instanceof Promise ? found.catch(() => FAILED) : found;
  } catch {
    return FAILED;
  }
}

function withPolicies(base: Facts, found: PolicyFindings): Facts {
  return {
    denies: found.denies.length === 0 ? base.denies : [...base.denies, ...found.denies],
    evaluatorFailed: found.failed,
    crossTenant: base.crossTenant,
    scope: base.scope,
    allows: found.allows.length === 0 ? base.allows : [...base.allows, ...found.allows],
  };
}

/** Built once per request and only when a policy layer runs. */
function policyInput(
  request: AuthorizationRequest,
  subject: AuthzSubject,
  target: ParsedAction,
  roleIds: readonly string[],
  assignedGrants: readonly Grant[] | undefined,
  clock: Clock,
): PolicyInput {
  const environment = request.environment ?? NO_ENVIRONMENT;
  const now = environment.now instanceof Date ? environment.now : clock.now();
  const own = Array.isArray(subject.grants) ? subject.grants : NO_GRANTS;
  const grants = assignedGrants === undefined || assignedGrants.length === 0 ? own : own.length === 0 ? assignedGrants : [...own, ...assignedGrants];
  return { target, subject, roleIds, grants, resource: request.resource ?? null, environment, now };
}
