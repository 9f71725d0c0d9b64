import * as v from "valibot";
import { readJson } from "../../core/http/body.js";
import { json } from "../../core/http/respond.js";
import type { PluginRoute } from "../../core/plugins.js";
import type { StoredGrant } from "../../ports/access-store.js";
import type { Grant } from "../../ports/authorization.js";
import { auditOrUndo } from "../audit.js";
import type { AdminDeps } from "../context.js";
import { admit, permit, portcullis, requireCoverage, targetTenant } from "../guard.js";
import { Id, Pattern, RuleId, TenantField } from "../input.js";
import { requireMember, requirePrincipal } from "../principals.js";
import { publicGrant } from "../views.js";

const SetGrantBody = v.strictObject({
  principalId: Id,
  grantId: RuleId,
  permission: Pattern,
  effect: v.picklist(["allow", "deny"]),
  tenantId: TenantField,
});
const RemoveGrantBody = v.strictObject({ principalId: Id, grantId: RuleId, tenantId: TenantField });

/** Grants as stored always carry an id; one without (another store's) is named by its permission, as in decisions. */
function stored(grant: Grant): StoredGrant {
  return { id: grant.id ?? grant.permission, permission: grant.permission, effect: grant.effect };
}

/**
 * `POST <path>/grants/set` and `POST <path>/grants/remove`. The caller must cover the grant's
 * permission whatever its effect (a deny set on a senior admin is a demotion), and, when a
 * grant with that id is replaced or removed, the old grant's permission too: replacing a
 * deny the caller could not remove would otherwise lift it.
 */
export function grantRoutes(deps: AdminDeps, path: string): PluginRoute[] {
  const { access } = deps.ports;
  return [
    {
      method: "POST",
      path: `${path}/grants/set`,
      async handle(ctx) {
        const action = portcullis("grant:set");
        const actor = await admit(deps, ctx, action, portcullis("grant"));
        const body = await readJson(ctx.request, SetGrantBody, deps.host.settings.bodyLimit);
        const { principalId, grantId, permission, effect } = body;
        const tenantId = targetTenant(actor, body.tenantId);
        await permit(deps, ctx, actor, [action], { type: portcullis("grant"), id: grantId, tenantId, attributes: { principalId, permission, effect } });
        await requirePrincipal(deps, principalId);
        await requireMember(deps, principalId, tenantId);

        const found = (await access.assignmentsFor(principalId, tenantId)).grants.find((g) => (g.id ?? g.permission) === grantId);
        const previous = found === undefined ? null : stored(found);
        await requireCoverage(deps, ctx, actor, action, previous === null ? [permission] : [permission, previous.permission]);
        const grant: StoredGrant = { id: grantId, permission, effect };
        const changed = previous === null || previous.permission !== permission || previous.effect !== effect;
        if (changed) {
          await access.updateAssignments(principalId, tenantId, { setGrants: [grant] });
          await auditOrUndo(deps, ctx, actor, "admin.grant_set", { principalId, grantId, permission, effect, tenantId }, () =>
            access.updateAssignments(principalId, tenantId, previous === null ? { removeGrants: [grantId] } : { setGrants: [previous] }),
          );
        }
        return json(200, { principalId, tenantId, grant: publicGrant(grant), changed });
      },
    },
    {
      method: "POST",
      path: `${path}/grants/remove`,
      async handle(ctx) {
        const action = portcullis("grant:remove");
        const actor = await admit(deps, ctx, action, portcullis("grant"));
        const body = await readJson(ctx.request, RemoveGrantBody, deps.host.settings.bodyLimit);
        const { principalId, grantId } = body;
        const tenantId = targetTenant(actor, body.tenantId);
        await permit(deps, ctx, actor, [action], { type: portcullis("grant"), id: grantId, tenantId, attributes: { principalId } });
        await requirePrincipal(deps, principalId);

        const found = (await access.assignmentsFor(principalId, tenantId)).grants.find((g) => (g.id ?? g.permission) === grantId);
        if (found === undefined) return json(200, { principalId, tenantId, grantId, changed: false });
        const previous = stored(found);
        await requireCoverage(deps, ctx, actor, action, [previous.permission]);
        await access.updateAssignments(principalId, tenantId, { removeGrants: [grantId] });
        await auditOrUndo(deps, ctx, actor, "admin.grant_removed", { principalId, grantId, permission: previous.permission, effect: previous.effect, tenantId }, () =>
          access.updateAssignments(principalId, tenantId, { setGrants: [previous] }),
        );
        return json(200, { principalId, tenantId, grantId, changed: true });
      },
    },
  ];
}
