import * as v from "valibot";
import type { RequestContext } from "../../core/context.js";
import { readJson } from "../../core/http/body.js";
import { json } from "../../core/http/respond.js";
import type { PluginRoute } from "../../core/plugins.js";
import { auditOrUndo } from "../audit.js";
import type { AdminDeps } from "../context.js";
import { rejected } from "../errors.js";
import { admit, permit, portcullis, requireCoverage, targetTenant } from "../guard.js";
import { Id, RuleId, TenantField } from "../input.js";
import { requireMember, requirePrincipal } from "../principals.js";

const RoleBody = v.strictObject({ principalId: Id, roleId: RuleId, tenantId: TenantField });

/** `POST <path>/roles/assign` and `POST <path>/roles/unassign`. */
export function roleRoutes(deps: AdminDeps, path: string): PluginRoute[] {
  return [
    { method: "POST", path: `${path}/roles/assign`, handle: (ctx) => changeRole(deps, ctx, "assign") },
    { method: "POST", path: `${path}/roles/unassign`, handle: (ctx) => changeRole(deps, ctx, "unassign") },
  ];
}

/**
 * Both directions need the caller to hold every permission of the role: handing it out
 * would escalate someone, taking it away lets a junior admin demote a senior one.
 * Holding it already (assign) or not (unassign) is a no-op: nothing written, nothing audited.
 */
async function changeRole(deps: AdminDeps, ctx: RequestContext, direction: "assign" | "unassign"): Promise<Response> {
  const action = portcullis(`role:${direction}`);
  const actor = await admit(deps, ctx, action, portcullis("role"));
  const body = await readJson(ctx.request, RoleBody, deps.host.settings.bodyLimit);
  const { principalId, roleId } = body;
  const tenantId = targetTenant(actor, body.tenantId);
  await permit(deps, ctx, actor, [action], { type: portcullis("role"), id: roleId, tenantId, attributes: { principalId } });

  const role = deps.authorizer.role(roleId);
  if (role === null) throw rejected("unknown_role", "roleId", "no role with this id is configured");
  if (role.tenantId !== null && role.tenantId !== tenantId) throw rejected("role_tenant_mismatch", "roleId", "this role is defined for another tenant");
  await requireCoverage(deps, ctx, actor, action, role.permissions);
  await requirePrincipal(deps, principalId);
  if (direction === "assign") await requireMember(deps, principalId, tenantId);

  const { access } = deps.ports;
  const holds = (await access.assignmentsFor(principalId, tenantId)).roleIds.includes(roleId);
  const changed = direction === "assign" ? !holds : holds;
  if (changed) {
    const forward = direction === "assign" ? { addRoles: [roleId] } : { removeRoles: [roleId] };
    const backward = direction === "assign" ? { removeRoles: [roleId] } : { addRoles: [roleId] };
    await access.updateAssignments(principalId, tenantId, forward);
    const type = direction === "assign" ? "admin.role_assigned" : "admin.role_unassigned";
    await auditOrUndo(deps, ctx, actor, type, { principalId, roleId, tenantId }, () => access.updateAssignments(principalId, tenantId, backward));
  }
  return json(200, { principalId, roleId, tenantId, changed });
}
