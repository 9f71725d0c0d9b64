import * as v from "valibot";
import type { RequestContext } from "../../core/context.js";
import { toBase64Url } from "../../core/encoding.js";
import { AuthError, ConflictError } from "../../core/errors.js";
import { readJson } from "../../core/http/body.js";
import { json } from "../../core/http/respond.js";
import type { PluginRoute } from "../../core/plugins.js";
import type { User } from "../../ports/user-store.js";
import { auditOrUndo } from "../audit.js";
import type { AdminDeps } from "../context.js";
import { admit, permit, portcullis, targetTenant } from "../guard.js";
import { Name, TenantField } from "../input.js";
import { serviceIdentifier } from "../service-identifier.js";

const ServiceAccountBody = v.strictObject({ name: Name, tenantId: TenantField });
/** The identifier carries 64 random bits; a collision is a fluke, three in a row a broken random source. */
const CREATE_ATTEMPTS = 3;

/**
 * `POST <path>/service-accounts`: a `kind: "service"` user with no credential at all. It can
 * never sign in (no password, and the pipeline refuses any kind but "user"); it acts through
 * API keys minted for it and roles assigned to it. Joined to the tenant when there is one;
 * if that or the audit write fails, the account is deleted: nothing half-written.
 */
export function serviceAccountRoutes(deps: AdminDeps, path: string): PluginRoute[] {
  const { users, access } = deps.ports;
  return [
    {
      method: "POST",
      path: `${path}/service-accounts`,
      async handle(ctx) {
        const actor = await admit(deps, ctx, portcullis("service_account:create"), portcullis("service_account"));
        const body = await readJson(ctx.request, ServiceAccountBody, deps.host.settings.bodyLimit);
        const tenantId = targetTenant(actor, body.tenantId);
        await permit(deps, ctx, actor, [portcullis("service_account:create")], { type: portcullis("service_account"), id: null, tenantId, attributes: { name: body.name } });

        const user = await createServiceUser(deps, ctx, body.name);
        if (tenantId !== null) {
          try {
            await access.addMember({ principalId: user.id, tenantId, createdAt: user.createdAt });
          } catch (error) {
            await users.delete(user.id).catch(() => undefined);
            throw error;
          }
        }
        await auditOrUndo(deps, ctx, actor, "admin.service_account_created", { principalId: user.id, identifier: user.email, tenantId }, async () => {
          if (tenantId !== null) await access.removeMember(user.id, tenantId);
          await users.delete(user.id);
        });
        return json(201, { id: user.id, kind: user.kind, name: user.name, identifier: user.email, tenantId });
      },
    },
  ];
}

async function createServiceUser(deps: AdminDeps, ctx: RequestContext, name: string): Promise<User> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.ports.users.create(
        { id: toBase64Url(ctx.random.bytes(16)), kind: "service", email: serviceIdentifier(name, ctx.random), emailVerified: false, name, createdAt: ctx.clock.now() },
        [],
      );
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      // Not `email_taken`: the client chose no email, and must not learn one exists.
      if (attempt >= CREATE_ATTEMPTS) throw new AuthError("internal_error", "could not allocate a service account identifier");
    }
  }
}
