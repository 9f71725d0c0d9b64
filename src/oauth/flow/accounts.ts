import * as v from "valibot";
import { AuthError } from "../../core/errors.js";
import { readJson } from "../../core/http/body.js";
import { json, noContent } from "../../core/http/respond.js";
import type { PluginRoute } from "../../core/plugins.js";
import type { Credential } from "../../ports/credential-store.js";
import { OAUTH_CREDENTIAL_TYPE, providerOfIdentifier } from "./credential.js";
import type { OAuthDeps } from "./deps.js";
import { requireSession } from "./session.js";

const UnlinkBody = v.object({ provider: v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,32}$/, "must be a provider id")) });

/** Credentials that can sign someone in on their own; other factors (TOTP, ...) cannot. */
function signsIn(credential: Credential): boolean {
  return credential.type === "password" || credential.type === OAUTH_CREDENTIAL_TYPE;
}

/**
 * `POST /oauth/unlink { provider }` with a session: removes that provider from the account, but
 * never the last way to sign in (`last_credential`). The check is repeated after the removal and
 * the credential put back if a concurrent unlink took the other one, so two parallel requests
 * cannot leave an account without credentials. Like sign-out, a removal stands when its audit
 * write fails (the answer is then 503): taking access away must not depend on the sink.
 */
export function unlinkRoute(deps: OAuthDeps): PluginRoute {
  return {
    method: "POST",
    path: "/oauth/unlink",
    async handle(ctx) {
      const session = await requireSession(deps.host, ctx);
      const { provider } = await readJson(ctx.request, UnlinkBody, deps.host.settings.bodyLimit);
      const userId = session.principal.id;
      const credentials = deps.ports.credentials;
      const all = await credentials.listByUser(userId);
      const target = all.find((c) => c.type === OAUTH_CREDENTIAL_TYPE && providerOfIdentifier(c.identifier) === provider);
      if (target === undefined) throw new AuthError("not_found", "this provider is not linked");
      const refuse = async (): Promise<never> => {
        await deps.host.audit({ type: "oauth_unlinked", outcome: "failure", reason: "last_credential", userId, detail: { provider } }, ctx);
        throw new AuthError("last_credential", "this is the account's only way to sign in: add another first");
      };
      if (!all.some((c) => c.id !== target.id && signsIn(c))) return refuse();

      await credentials.remove(target.id);
      const left = await credentials.listByUser(userId);
      if (!left.some(signsIn)) {
        await credentials.add({ id: target.id, userId, type: target.type, identifier: target.identifier, secret: target.secret, createdAt: target.createdAt });
        return refuse();
      }
      await deps.host.audit({ type: "oauth_unlinked", outcome: "success", reason: "ok", userId, detail: { provider } }, ctx);
      return noContent();
    },
  };
}

/** `GET /oauth/accounts` with a session: the caller's own linked providers, never a subject. */
export function accountsRoute(deps: OAuthDeps): PluginRoute {
  return {
    method: "GET",
    path: "/oauth/accounts",
    async handle(ctx) {
      const session = await requireSession(deps.host, ctx);
      const linked = await deps.ports.credentials.listByUser(session.principal.id, OAUTH_CREDENTIAL_TYPE);
      const accounts = linked.flatMap((credential) => {
        const provider = providerOfIdentifier(credential.identifier);
        return provider === null ? [] : [{ provider, linkedAt: credential.createdAt.toISOString() }];
      });
      return json(200, { accounts });
    },
  };
}
