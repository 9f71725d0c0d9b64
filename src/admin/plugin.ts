import type { Authorizer } from "../authz/authorizer.js";
import { ConfigurationError } from "../core/errors.js";
import { definePlugin, type Plugin } from "../core/plugins.js";
import type { AdminRequirements } from "./context.js";
import { accessRoutes } from "./routes/access.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { grantRoutes } from "./routes/grants.js";
import { memberRoutes } from "./routes/members.js";
import { roleRoutes } from "./routes/roles.js";
import { serviceAccountRoutes } from "./routes/service-accounts.js";

export interface AdminApiOptions {
  /**
   * Decides every admin request. Give it `assignments: stores.access`, so what these routes
   * write is what it reads.
   */
  authorizer: Authorizer;
  /** default "/admin" */
  path?: string;
  /** header carrying the client IP, for policies' environment.ip; default null */
  ipHeader?: string | null;
}

const PATH = /^(\/[a-z0-9._~-]+)+$/i;

/**
 * The admin HTTP API under `<basePath><path>`: roles, grants, memberships, service accounts
 * and API keys, each route itself behind a `portcullis.*` permission decided by `authorizer`.
 * The caller is whoever `authenticate()` says (never a body field); the target tenant is the
 * caller's unless named, and the engine's tenant boundary keeps tenants apart; nobody can hand
 * out or take away a permission it does not hold itself; every write is audited or undone.
 */
export function adminApi(options: AdminApiOptions): Plugin<AdminRequirements> {
  const authorizer = options?.authorizer;
  if (typeof authorizer?.authorize !== "function" || typeof authorizer.effectivePermissions !== "function" || typeof authorizer.role !== "function") {
    throw new ConfigurationError("adminApi needs an authorizer from createAuthorizer({ roles, assignments: stores.access, audit })");
  }
  const path = options.path ?? "/admin";
  if (!PATH.test(path)) throw new ConfigurationError(`adminApi: path must look like /admin, got ${JSON.stringify(path)}`);
  const ipHeader = options.ipHeader ?? null;
  if (ipHeader !== null && (typeof ipHeader !== "string" || ipHeader.trim() === "")) throw new ConfigurationError("adminApi: ipHeader must be a header name or null");

  return definePlugin({
    id: "admin",
    requires: { users: "any", apiKeys: "any", access: "any" },
    setup(ports, host) {
      const deps = { ports, host, authorizer, ipHeader };
      return {
        routes: [
          ...accessRoutes(deps, path),
          ...roleRoutes(deps, path),
          ...grantRoutes(deps, path),
          ...memberRoutes(deps, path),
          ...serviceAccountRoutes(deps, path),
          ...apiKeyRoutes(deps, path),
        ],
      };
    },
  });
}
