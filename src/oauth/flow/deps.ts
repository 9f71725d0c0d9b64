import type { PluginHost, PortsFor } from "../../core/plugins.js";
import type { BindingCookie } from "./binding-cookie.js";
import type { OAuthConfig } from "./options.js";

/** What the OAuth plugin needs from the stores; `singleUse` must be atomic (one callback per state). */
export type OAuthRequirements = { users: "any"; credentials: "any"; singleUse: "atomic" };

/** Everything a flow route reads, built once at start-up. */
export interface OAuthDeps {
  ports: PortsFor<OAuthRequirements>;
  host: PluginHost;
  config: OAuthConfig;
  /** `settings.publicOrigin`, checked at start-up. */
  origin: string;
  binding: BindingCookie;
  /** `${origin}${basePath}/oauth/<id>/callback`: exactly what is registered with the provider. */
  redirectUri(providerId: string): string;
}
