import type { PluginRoute, RequestContext } from "../ports/request.js";
import type { TokenStrategy } from "../ports/token-strategy.js";
import type { Auditor } from "./audit.js";
import { AuthError } from "./errors.js";
import { errorResponse, json, noContent } from "./http/respond.js";
import { clearedCookie, type CookieOptions } from "./http/transport.js";
import type { AuthResult } from "./read-path.js";
import { publicSession, publicUser } from "./session-response.js";

export interface RouteDeps {
  strategy: TokenStrategy;
  audit: Auditor;
  authenticate: (ctx: RequestContext) => Promise<AuthResult>;
  cookie: CookieOptions;
}

/**
 * What every deployment has whatever its sign-in methods: ending a session and reading it.
 * The ways in (password, OAuth, magic links) are plugins.
 */
export function coreRoutes(deps: RouteDeps): PluginRoute[] {
  const routes: PluginRoute[] = [
    {
      method: "POST",
      path: "/sign-out",
      async handle(ctx) {
        const result = await deps.authenticate(ctx);
        const clear = { "set-cookie": clearedCookie(deps.cookie) };
        // An API key is not a session: there is nothing to sign out of, and the key stays valid.
        if (!result.authenticated || result.source === "api_key") {
          await deps.audit({ type: "sign_out", outcome: "failure", reason: result.authenticated ? "not_a_session" : result.reason }, ctx);
          return noContent(clear);
        }
        // Access is removed first: a sink failure must not keep a session alive.
        await deps.strategy.revoke(result.session, ctx);
        try {
          await deps.audit({ type: "sign_out", outcome: "success", reason: "ok", userId: result.principal.id, sessionId: result.session.id }, ctx);
        } catch (error) {
          return errorResponse(error, clear);
        }
        return noContent(clear);
      },
    },
    {
      method: "GET",
      path: "/session",
      async handle(ctx) {
        const result = await deps.authenticate(ctx);
        // API keys authenticate requests, not sessions: this route answers only for a session.
        if (!result.authenticated || result.source === "api_key") throw new AuthError("unauthenticated", "no valid session");
        return json(200, { user: publicUser(result.principal), session: publicSession(result.session) });
      },
    },
  ];

  return routes;
}
