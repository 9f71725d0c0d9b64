import * as v from "valibot";
import { json } from "../../core/http/respond.js";
import type { PluginRoute } from "../../core/plugins.js";
import type { AdminDeps } from "../context.js";
import { notFound } from "../errors.js";
import { admit, permit, portcullis, targetTenant } from "../guard.js";
import { Id, readQuery } from "../input.js";
import { membershipIn, requirePrincipal } from "../principals.js";
import { publicGrant, publicMembership } from "../views.js";

const AccessQuery = v.strictObject({ principalId: v.optional(Id), tenantId: v.optional(Id) });

/** `GET <path>/access?principalId=&tenantId=`: roles and grants held in one tenant, and memberships. */
export function accessRoutes(deps: AdminDeps, path: string): PluginRoute[] {
  return [
    {
      method: "GET",
      path: `${path}/access`,
      async handle(ctx) {
        const actor = await admit(deps, ctx, portcullis("access:read"), portcullis("access"));
        const query = readQuery(ctx.url, AccessQuery);
        const principalId = query.principalId ?? actor.userId;
        const tenantId = targetTenant(actor, query.tenantId);
        await permit(deps, ctx, actor, [portcullis("access:read")], { type: portcullis("access"), id: principalId, tenantId });
        await requirePrincipal(deps, principalId);
        // Seen from a tenant, a principal that is not its member does not exist: no cross-tenant probing.
        if (tenantId !== null && (await membershipIn(deps, principalId, tenantId)) === null) throw notFound("principal");
        const held = await deps.ports.access.assignmentsFor(principalId, tenantId);
        // A tenant's admin sees the membership in its tenant, not where else the principal belongs.
        const memberships = (await deps.ports.access.membershipsOf(principalId)).filter((m) => tenantId === null || m.tenantId === tenantId);
        return json(200, {
          principalId,
          tenantId,
          roleIds: [...held.roleIds],
          grants: held.grants.map(publicGrant),
          memberships: memberships.map(publicMembership),
        });
      },
    },
  ];
}
