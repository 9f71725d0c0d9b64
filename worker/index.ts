/**
 * The deployable gateway Worker: D1 for users, credentials, sessions and audit; Argon2id on the
 * WASM build that wrangler ships as a compiled module. Configuration comes from wrangler.toml
 * ([vars] and the DB binding); see `config.ts`.
 */
import argon2Wasm from "@phi-ag/argon2/argon2.wasm";
import { d1CoreStores } from "../src/adapters/d1/index.js";
import { createAuth } from "../src/core/create-auth.js";
import { json } from "../src/core/http/respond.js";
import { argon2idHasher } from "../src/credentials/password/index.js";
import { auditRouteDenials } from "../src/runtimes/access/index.js";
import { adminEmailCheck } from "./admin-emails.js";
import { gatewayConfig, type GatewayEnv } from "./config.js";
import { createGateway, type Gateway } from "./gateway.js";

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
    const stores = d1CoreStores(env.DB);
    const auth = createAuth({
      stores,
      hasher: argon2idHasher({ module: argon2Wasm }),
      settings: config.settings,
    });
    gateway = createGateway({
      auth,
      originUrl: config.originUrl,
      publicPaths: config.publicPaths,
      routes: {
        rules: config.routeRules,
        // Stand-in until the authorization engine lands (see admin-emails.ts).
        check: adminEmailCheck(config.adminEmails),
        // Denials land in the same D1 audit table as sign-ins.
        audit: auditRouteDenials(stores.audit, { ipHeader: auth.settings.ipHeader }),
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
