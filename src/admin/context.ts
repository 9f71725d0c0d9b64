import type { Authorizer } from "../authz/authorizer.js";
import type { PluginHost, PortsFor } from "../core/plugins.js";

/** What the admin plugin needs from the stores: users, API keys, and tenant access. */
export type AdminRequirements = { users: "any"; apiKeys: "any"; access: "any" };

/** Everything an admin route reads, built once by `adminApi` at start-up. */
export interface AdminDeps {
  ports: PortsFor<AdminRequirements>;
  host: PluginHost;
  authorizer: Authorizer;
  /** Header with the client IP (policies' `environment.ip`); null trusts none. */
  ipHeader: string | null;
}
