import { json } from "../../core/http/respond.js";
import type { PluginRoute } from "../../core/plugins.js";
import type { OAuthProvider } from "../../ports/oauth-provider.js";
import { safeReturnPath } from "../../core/http/return-path.js";
import type { OAuthDeps } from "./deps.js";
import { requireSession } from "./session.js";
import { beginFlow } from "./start.js";

/**
 * `POST /oauth/<id>/link?return=/settings` with a session: starts a flow that adds this provider
 * to the signed-in account. POST, so core's CSRF check applies: another site cannot make a
 * signed-in victim link the attacker's provider account.
 *
 * Answer: a fetch caller that sends `Accept: application/json` gets `200 { "url": "..." }` and
 * navigates itself (fetch cannot follow a cross-origin redirect into a page); anyone else (an HTML
 * form) gets a `303` to the provider. The binding cookie is set either way.
 */
export function linkRoute(deps: OAuthDeps, provider: OAuthProvider): PluginRoute {
  return {
    method: "POST",
    path: `/oauth/${provider.id}/link`,
    async handle(ctx) {
      const session = await requireSession(deps.host, ctx);
      const returnTo = safeReturnPath(ctx.url.searchParams.get("return"), deps.origin);
      const start = await beginFlow(deps, provider, ctx, { intent: "link", userId: session.principal.id, returnTo });
      const headers = { "set-cookie": start.cookie, "referrer-policy": "no-referrer" };
      if (wantsJson(ctx.request)) return json(200, { url: start.url.href }, headers);
      return new Response(null, { status: 303, headers: { ...headers, location: start.url.href, "cache-control": "no-store" } });
    },
  };
}

function wantsJson(request: Request): boolean {
  return /\bapplication\/json\b/i.test(request.headers.get("accept") ?? "");
}
