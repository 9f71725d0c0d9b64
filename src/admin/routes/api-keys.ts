import * as v from "valibot";
import { issueApiKey } from "../../credentials/api-key.js";
import { readJson } from "../../core/http/body.js";
import { json } from "../../core/http/respond.js";
import type { PluginRoute } from "../../core/plugins.js";
import type { Actor } from "../actor.js";
import { auditOrUndo, auditRefusal } from "../audit.js";
import type { AdminDeps } from "../context.js";
import { forbidden, notFound, rejected } from "../errors.js";
import { admit, permit, portcullis, requireCoverage, targetTenant } from "../guard.js";
import { Id, Name, Pattern, readQuery, TenantField } from "../input.js";
import { membershipIn, requirePrincipal } from "../principals.js";
import { publicApiKey } from "../views.js";

/**
 * Lifetimes: a key minted here always expires. Default 90 days, at most one year, at least a
 * minute; a leaked key then dies on its own, and rotation is a routine rather than an incident.
 */
export const API_KEY_LIFETIME = Object.freeze({ defaultSeconds: 90 * 86_400, minSeconds: 60, maxSeconds: 365 * 86_400 });
export const MAX_SCOPES = 64;

const ListQuery = v.strictObject({ ownerId: v.optional(Id) });
const CreateBody = v.strictObject({
  name: Name,
  scopes: v.pipe(v.array(Pattern), v.maxLength(MAX_SCOPES)),
  ownerId: v.optional(Id),
  tenantId: TenantField,
  expiresInSeconds: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(API_KEY_LIFETIME.minSeconds), v.maxValue(API_KEY_LIFETIME.maxSeconds)),
    API_KEY_LIFETIME.defaultSeconds,
  ),
  environment: v.optional(v.picklist(["live", "test"]), "live"),
});
const RevokeBody = v.strictObject({ id: Id });

const KEY = portcullis("api_key");
/** Own keys need the verb; another principal's keys need `portcullis.api_key:manage` as well. */
const actionsFor = (verb: "create" | "read" | "revoke", own: boolean): string[] =>
  own ? [portcullis(`api_key:${verb}`)] : [portcullis(`api_key:${verb}`), portcullis("api_key:manage")];

/** `GET <path>/api-keys`, `POST <path>/api-keys`, `POST <path>/api-keys/revoke`. */
export function apiKeyRoutes(deps: AdminDeps, path: string): PluginRoute[] {
  const { apiKeys } = deps.ports;
  return [
    {
      method: "GET",
      path: `${path}/api-keys`,
      async handle(ctx) {
        const actor = await admit(deps, ctx, portcullis("api_key:read"), KEY);
        const ownerId = readQuery(ctx.url, ListQuery).ownerId ?? actor.userId;
        const own = ownerId === actor.userId;
        const tenantId = actor.tenantId;
        await permit(deps, ctx, actor, actionsFor("read", own), { type: KEY, id: ownerId, tenantId, attributes: { ownerId } });
        if (own) return json(200, { ownerId, apiKeys: (await apiKeys.listByOwner(ownerId)).map(publicApiKey) });
        await requireVisibleOwner(deps, actor, ownerId);
        // Another owner's keys as seen from the caller's tenant: only the keys of that tenant.
        const keys = (await apiKeys.listByOwner(ownerId)).filter((key) => key.tenantId === tenantId);
        return json(200, { ownerId, apiKeys: keys.map(publicApiKey) });
      },
    },
    {
      method: "POST",
      path: `${path}/api-keys`,
      async handle(ctx) {
        const action = portcullis("api_key:create");
        const actor = await admit(deps, ctx, action, KEY);
        // A leaked key must not be able to mint fresh ones that outlive its revocation.
        if (actor.principal.type === "api_key") {
          await auditRefusal(deps, ctx, actor, action, "session_required", { resourceType: KEY });
          throw forbidden("session_required");
        }
        const body = await readJson(ctx.request, CreateBody, deps.host.settings.bodyLimit);
        const ownerId = body.ownerId ?? actor.userId;
        const own = ownerId === actor.userId;
        // The key acts in its owner's tenant: the caller's session tenant for its own keys
        // (the engine refuses any other), for another owner one of its memberships.
        const tenantId = targetTenant(actor, body.tenantId);
        await permit(deps, ctx, actor, actionsFor("create", own), { type: KEY, id: ownerId, tenantId, attributes: { ownerId } });
        if (!own) {
          await requirePrincipal(deps, ownerId);
          await requireOwnerTenant(deps, ownerId, tenantId);
          // A key borrows its owner's power within its scopes: the caller may only pass on what it holds.
          await requireCoverage(deps, ctx, actor, action, body.scopes);
        }
        const { key, record } = await issueApiKey(
          apiKeys,
          { ownerId, tenantId, name: body.name, scopes: body.scopes, expiresIn: body.expiresInSeconds, env: body.environment },
          { clock: ctx.clock, random: ctx.random },
        );
        const detail = { keyId: record.id, ownerId, tenantId, scopes: record.scopes.join(",").slice(0, 256), expiresAt: record.expiresAt?.toISOString() ?? null };
        await auditOrUndo(deps, ctx, actor, "admin.api_key_created", detail, () => apiKeys.revoke(record.id, ctx.clock.now()));
        // The only time the key is ever shown.
        return json(201, { key, apiKey: publicApiKey(record) });
      },
    },
    {
      method: "POST",
      path: `${path}/api-keys/revoke`,
      async handle(ctx) {
        const actor = await admit(deps, ctx, portcullis("api_key:revoke"), KEY);
        const { id } = await readJson(ctx.request, RevokeBody, deps.host.settings.bodyLimit);
        const record = await apiKeys.findByLookup(id);
        if (record === null) throw notFound("API key");
        const own = record.ownerId === actor.userId;
        // Own keys are checked in the caller's tenant (its permission is held there); another
        // owner's in the key's tenant, and from another tenant the key does not exist.
        try {
          await permit(deps, ctx, actor, actionsFor("revoke", own), { type: KEY, id: record.id, tenantId: own ? actor.tenantId : record.tenantId, attributes: { ownerId: record.ownerId } });
        } catch (error) {
          if (!own && (error as { detail?: { reason?: string } }).detail?.reason === "tenant_boundary") throw notFound("API key");
          throw error;
        }
        const changed = record.revokedAt === null;
        if (changed) await apiKeys.revoke(record.id, ctx.clock.now());
        // A revocation is never undone: if the event cannot be written the key stays revoked
        // (fail closed, like sign-out) and the 503 asks for a retry, which is audited again.
        await auditOrUndo(deps, ctx, actor, "admin.api_key_revoked", { keyId: record.id, ownerId: record.ownerId, tenantId: record.tenantId, alreadyRevoked: !changed }, async () => undefined);
        const after = (await apiKeys.findByLookup(record.id)) ?? record;
        return json(200, { apiKey: publicApiKey(after), changed });
      },
    },
  ];
}

/** Another owner is visible from the caller's tenant only as its member; otherwise 404. */
async function requireVisibleOwner(deps: AdminDeps, actor: Actor, ownerId: string): Promise<void> {
  await requirePrincipal(deps, ownerId);
  if (actor.tenantId !== null && (await membershipIn(deps, ownerId, actor.tenantId)) === null) throw notFound("principal");
}

/**
 * A key for another owner lives in one of the owner's tenants; outside any tenant only when
 * the owner belongs to none. 400 `not_a_member` / `tenant_required`.
 */
async function requireOwnerTenant(deps: AdminDeps, ownerId: string, tenantId: string | null): Promise<void> {
  const memberships = await deps.ports.access.membershipsOf(ownerId);
  if (tenantId === null) {
    if (memberships.length > 0) throw rejected("tenant_required", "tenantId", "the owner belongs to a tenant: name it");
    return;
  }
  if (!memberships.some((m) => m.tenantId === tenantId)) throw rejected("not_a_member", "ownerId", "the owner is not a member of the tenant");
}
