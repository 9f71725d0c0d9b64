import { definePlugin, type Plugin, type PluginRoute } from "../core/plugins.js";
import { accountsRoute, unlinkRoute } from "./flow/accounts.js";
import { bindingCookie } from "./flow/binding-cookie.js";
import { callbackRoute } from "./flow/callback.js";
import type { OAuthDeps, OAuthRequirements } from "./flow/deps.js";
import { linkRoute } from "./flow/link.js";
import { requirePublicOrigin } from "../core/http/public-origin.js";
import { parseOAuthOptions, type OAuthOptions } from "./flow/options.js";
import { startRoute } from "./flow/start.js";

/**
 * Sign-in with OAuth 2.0 / OpenID Connect providers, as a plugin for `createAuth({ plugins })`.
 * Routes, relative to the base path, for each provider id P:
 *
 * | route | who | answer |
 * |---|---|---|
 * | `GET /oauth/P/start?return=/path` | anyone | 303 to the provider, binding cookie set |
 * | `GET /oauth/P/callback?code&state&iss` | the browser that started | 303 to the return path with a session (sign-in) or after linking |
 * | `POST /oauth/P/link?return=/path` | a session | 303 to the provider, or `200 { url }` with `Accept: application/json` |
 * | `POST /oauth/unlink { provider }` | a session | 204; 409 `last_credential` for the only way to sign in |
 * | `GET /oauth/accounts` | a session | `200 { accounts: [{ provider, linkedAt }] }` |
 *
 * Every session goes through `host.signIn` (risk, challenges, audit), with `amr: ["fed"]`.
 * Needs an atomic `singleUse` store (a state must complete at most once) and
 * `settings.publicOrigin` (redirect URIs are built from it).
 */
export function oauth(options: OAuthOptions): Plugin<OAuthRequirements> {
  const config = parseOAuthOptions(options);
  return definePlugin({
    id: "oauth",
    requires: { users: "any", credentials: "any", singleUse: "atomic" },
    setup(ports, host) {
      // Redirect URIs are exactly the ones registered with the provider (RFC 9700 2.1).
      const origin = requirePublicOrigin(host.settings.publicOrigin, "oauth", "redirect URIs are");
      const callbackBase = `${origin}${host.settings.basePath}/oauth/`;
      const deps: OAuthDeps = {
        ports,
        host,
        config,
        origin,
        binding: bindingCookie(host.settings.cookie.secure),
        redirectUri: (id) => `${callbackBase}${id}/callback`,
      };
      const routes: PluginRoute[] = [unlinkRoute(deps), accountsRoute(deps)];
      for (const provider of config.providers.values()) {
        routes.push(startRoute(deps, provider), callbackRoute(deps, provider), linkRoute(deps, provider));
      }
      return { routes };
    },
  });
}
