/**
 * The gateway's authorization engine: role and policy definitions from configuration (`ROLES`,
 * `POLICIES`), who holds which role from the D1 access store, every denial into the D1 audit
 * table. Built once per isolate, with the rest of the gateway.
 */
import { auditToSink, createAuthorizer, type Authorizer, type PolicyDocument, type RoleDefinition } from "../../authz/index.js";
import { ConfigurationError, type AssignmentSource, type AuditSink } from "../../index.js";
import type { GatewayConfig } from "./config.js";

export interface GatewayAuthorizationStores {
  /** Role attachments and grants per (principal, tenant): the D1 access store. */
  access: AssignmentSource;
  audit: AuditSink;
}

/**
 * `createAuthorizer` validates roles and policies together and names them "roles" and
 * "policies"; an operator edits `ROLES` and `POLICIES`, so a mistake is re-thrown with the
 * variable's name in front.
 */
export function gatewayAuthorizer(config: Pick<GatewayConfig, "roles" | "policies">, stores: GatewayAuthorizationStores): Authorizer {
  const audit = auditToSink(stores.audit);
  // Shape-checked JSON only (config.ts): the engine's valibot schemas check the content.
  const roles = config.roles as RoleDefinition[];
  const policies = config.policies as PolicyDocument[];
  try {
    return createAuthorizer({ roles, policies, assignments: stores.access, audit });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ConfigurationError(`${culprit(roles)}: ${error.message}`);
  }
}

/**
 * Which variable is wrong: compiling the roles alone tells, and only a failed start-up pays for
 * it. (Matching on the message's wording would break silently when the wording changes.)
 */
function culprit(roles: readonly RoleDefinition[]): "ROLES" | "POLICIES" {
  try {
    createAuthorizer({ roles, audit: async () => undefined });
  } catch {
    return "ROLES";
  }
  return "POLICIES";
}
