/**
 * The deployable gateway Worker: D1 for users, credentials, sessions, API keys, tenant
 * memberships and role assignments, single-use values (OAuth states, email-link tokens) and
 * audit; Argon2id on the WASM build that wrangler ships as
 * a compiled module; route rules decided by the authorization engine. Configuration comes from
 * wrangler.toml ([vars] and the DB binding); see `config.ts`.
 */
import argon2Wasm from "@phi-ag/argon2/argon2.wasm";
import { adminApi } from "../src/admin/index.js";
import { createAuth } from "../src/core/create-auth.js";
import { json } from "../src/core/http/respond.js";
import { parseSettings } from "../src/core/settings.js";
import { argon2idHasher } from "../src/credentials/password/index.js";
import { auditRouteDenials, authorizerCheck } from "../src/runtimes/access/index.js";
import { gatewayAuthorizer } from "./authorization.js";
import { gatewayConfig, type GatewayEnv } from "./config.js";
import { createGateway, type Gateway } from "./gateway.js";
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
    const ways = signInPlugins(config, parseSettings(config.settings).basePath);
    const auth = createAuth({
      stores,
      // The admin API under {base}/admin/... (roles, grants, members, API keys), each route
      // decided by the same authorizer as the route rules. The first administrator is made
      // outside it: `npm run admin -- assign-role ...` (scripts/admin.mjs).
      plugins: [adminApi({ authorizer, ipHeader }), ...ways.plugins],
      hasher: argon2idHasher({ module: argon2Wasm }),
      settings: config.settings,
    });
    gateway = createGateway({
      auth,
      originUrl: config.originUrl,
      publicPaths: config.publicPaths,
      signIn: ways.signIn,
      ...(ways.devInbox === undefined ? {} : { devInbox: ways.devInbox }),
      routes: {
        rules: config.routeRules,
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
      return json(500, { error: { code: "internal_error", message: "gateway misconfigured" } });
    }
    try {
      return await gateway.fetch(request);
    } catch (error) {
      // The gateway answers every expected failure itself; anything else must not become
      // wrangler's stack-trace page or Cloudflare's generic error, and must never pass through.
      console.error("portcullis gateway error:", error instanceof Error ? error.message : error);
      return json(500, { error: { code: "internal_error", message: "internal error" } });
    }
  },
};

export default worker;
