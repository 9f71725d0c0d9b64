import * as v from "valibot";
import type { RequestContext } from "../../core/context.js";
import { readJson } from "../../core/http/body.js";
import { json } from "../../core/http/respond.js";
import type { PluginRoute } from "../../core/plugins.js";
import type { StoredGrant } from "../../ports/access-store.js";
import type { Actor } from "../actor.js";
import { auditOrUndo } from "../audit.js";
import type { AdminDeps } from "../context.js";
import { rejected } from "../errors.js";
import { admit, permit, portcullis, requireCoverage, targetTenant } from "../guard.js";
import { Id, readQuery, TenantField } from "../input.js";
import { membershipIn, requirePrincipal } from "../principals.js";
import { publicMembership } from "../views.js";

const MembersQuery = v.strictObject({ tenantId: v.optional(Id) });
const MemberBody = v.strictObject({ principalId: Id, tenantId: TenantField });

/** A membership needs a tenant: "members of no tenant" means nothing. 400, reason `tenant_required`. */
function tenantOf(actor: Actor, requested: string | null | undefined): string {
  const tenantId = targetTenant(actor, requested);
  if (tenantId === null) throw rejected("tenant_required", "tenantId", "name a tenant");
  return tenantId;
}

/** `GET <path>/members`, `POST <path>/members/add`, `POST <path>/members/remove`. */
export function memberRoutes(deps: AdminDeps, path: string): PluginRoute[] {
  const { access } = deps.ports;
  return [
    {
      method: "GET",
      path: `${path}/members`,
      async handle(ctx) {
        const actor = await admit(deps, ctx, portcullis("member:read"), portcullis("member"));
        const tenantId = tenantOf(actor, readQuery(ctx.url, MembersQuery).tenantId);
        await permit(deps, ctx, actor, [portcullis("member:read")], { type: portcullis("member"), id: null, tenantId });
        return json(200, { tenantId, members: (await access.membersOf(tenantId)).map(publicMembership) });
      },
    },
    {
      method: "POST",
      path: `${path}/members/add`,
      async handle(ctx) {
        const { actor, principalId, tenantId } = await memberRequest(deps, ctx, "add");
        await requirePrincipal(deps, principalId);
        if ((await membershipIn(deps, principalId, tenantId)) !== null) return json(200, { principalId, tenantId, changed: false });
        await access.addMember({ principalId, tenantId, createdAt: ctx.clock.now() });
        await auditOrUndo(deps, ctx, actor, "admin.member_added", { principalId, tenantId }, () => access.removeMember(principalId, tenantId));
        return json(200, { principalId, tenantId, changed: true });
      },
    },
    {
      method: "POST",
      path: `${path}/members/remove`,
      async handle(ctx) {
        const { actor, principalId, tenantId } = await memberRequest(deps, ctx, "remove");
        await requirePrincipal(deps, principalId);
        const membership = await membershipIn(deps, principalId, tenantId);
        if (membership === null) return json(200, { principalId, tenantId, changed: false });
        // Removal strips every role and grant held in the tenant, so it is as strong as
        // unassigning each of them: the caller must cover all their permissions.
        const held = await access.assignmentsFor(principalId, tenantId);
        const grants: StoredGrant[] = held.grants.map((g) => ({ id: g.id ?? g.permission, permission: g.permission, effect: g.effect }));
        const wanted = [...held.roleIds.flatMap((id) => heldRolePermissions(deps, id, tenantId)), ...grants.map((g) => g.permission)];
        await requireCoverage(deps, ctx, actor, portcullis("member:remove"), wanted);
        await access.removeMember(principalId, tenantId);
        await auditOrUndo(deps, ctx, actor, "admin.member_removed", { principalId, tenantId }, async () => {
          await access.addMember(membership);
          await access.updateAssignments(principalId, tenantId, { addRoles: held.roleIds, setGrants: grants });
        });
        return json(200, { principalId, tenantId, changed: true });
      },
    },
  ];
}

async function memberRequest(deps: AdminDeps, ctx: RequestContext, verb: "add" | "remove"): Promise<{ actor: Actor; principalId: string; tenantId: string }> {
  const actor = await admit(deps, ctx, portcullis(`member:${verb}`), portcullis("member"));
  const body = await readJson(ctx.request, MemberBody, deps.host.settings.bodyLimit);
  const tenantId = tenantOf(actor, body.tenantId);
  await permit(deps, ctx, actor, [portcullis(`member:${verb}`)], { type: portcullis("member"), id: body.principalId, tenantId });
  return { actor, principalId: body.principalId, tenantId };
}

/** An id with no definition, or defined for another tenant, confers nothing in this tenant: nothing to cover. */
function heldRolePermissions(deps: AdminDeps, roleId: string, tenantId: string): readonly string[] {
  const role = deps.authorizer.role(roleId);
  return role === null || (role.tenantId !== null && role.tenantId !== tenantId) ? [] : role.permissions;
}
