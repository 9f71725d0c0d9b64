/**
 * The deployable gateway Worker: D1 for users, credentials, sessions, API keys, tenant
 * memberships and role assignments, single-use values (OAuth states, email-link tokens) and
 * audit; Argon2id on the WASM build that wrangler ships as
 * a compiled module; route rules decided by the authorization engine. Configuration comes from
 * wrangler.toml ([vars] and the DB binding); see `config.ts`.
 */
import { adminApi } from "../../admin/index.js";
import { argon2idHasher, emailPassword } from "../../credentials/password/edge.js";
import { auditRouteDenials, authorizerCheck, createGateway, type Gateway } from "../../gateway/index.js";
import { AuthError, createAuth, errorResponse } from "../../index.js";
import { gatewayAuthorizer } from "./authorization.js";
import { gatewayConfig, type GatewayEnv } from "./config.js";
import { signInPlugins } from "./sign-in-plugins.js";
import { d1GatewayStores } from "./stores.js";

export type { GatewayEnv } from "./config.js";

/**
 * One gateway per isolate and environment: settings are validated, the WASM instance and the
 * key cache are built once, then reused by every request. Keyed by the env object (weakly) so
 * nothing request-scoped lives in module state and a different env (tests) gets its own.
 */
const gateways = new WeakMap<GatewayEnv, Gateway>();

export function gatewayFor(env: GatewayEnv): Gateway {
  let gateway = gateways.get(env);
  if (gateway === undefined) {
    const config = gatewayConfig(env);
    const stores = d1GatewayStores(env.DB);
    const authorizer = gatewayAuthorizer(config, stores);
    // Cloudflare's client-IP header (config.ts): the same for sign-ins, route rules and admin routes.
    const ipHeader = config.settings.ipHeader ?? null;
    // OAuth providers, magic links, address verification: whatever the vars configure.
    const ways = signInPlugins(config, config.basePath);
    // Argon2id on the precompiled WASM module that wrangler ships with the Worker.
    const password = emailPassword({ hasher: argon2idHasher() });
    const auth = createAuth({
      stores,
      // The admin API under {base}/admin/... (roles, grants, members, API keys), each route
      // decided by the same authorizer as the route rules. The first administrator is made
      // outside it: `npm run admin -- assign-role ...` (scripts/admin.mjs).
      plugins: [password, adminApi({ authorizer, ipHeader }), ...ways.plugins],
      settings: config.settings,
    });
    gateway = createGateway({
      auth,
      originUrl: config.originUrl,
      originTimeoutMs: config.originTimeoutMs,
      publicPaths: config.publicPaths,
      signIn: ways.signIn,
      passwordMinLength: password.policy.minLength,
      ...(ways.devInbox === undefined ? {} : { devInbox: ways.devInbox }),
      routes: {
        rules: config.routeRules,
        pathStyle: config.pathStyle,
        check: authorizerCheck(authorizer, { ipHeader }),
        // Denials land in the same D1 audit table as sign-ins (the engine adds its own
        // `authorize` event with the decision's reason and matched rules).
        audit: auditRouteDenials(stores.audit, { ipHeader }),
      },
    });
    gateways.set(env, gateway);
  }
  return gateway;
}

const worker = {
  async fetch(request: Request, env: GatewayEnv): Promise<Response> {
    let gateway: Gateway;
    try {
      gateway = gatewayFor(env);
    } catch (error) {
      // Configuration errors name the variable; they go to the log, not to the client.
      console.error("portcullis gateway misconfigured:", error instanceof Error ? error.message : error);
      return errorResponse(new AuthError("internal_error", "gateway misconfigured"));
    }
    try {
      return await gateway.fetch(request);
    } catch (error) {
      // The gateway answers every expected failure itself; anything else must not become
      // wrangler's stack-trace page or Cloudflare's generic error, and must never pass through.
      console.error("portcullis gateway error:", error instanceof Error ? error.message : error);
      return errorResponse(new AuthError("internal_error", "internal error"));
    }
  },
};

export default worker;
