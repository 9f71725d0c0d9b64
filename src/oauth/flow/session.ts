import type { RequestContext } from "../../core/context.js";
import { AuthError } from "../../core/errors.js";
import type { PluginHost } from "../../core/plugins.js";
import type { SessionAuthResult } from "../../core/read-path.js";

/**
 * The signed-in person behind a request. Linking and unlinking change how an account signs in,
 * so they need a session: an API key (a script) is refused like no credential at all.
 */
export async function requireSession(host: PluginHost, ctx: RequestContext): Promise<SessionAuthResult> {
  const result = await host.authenticate(ctx);
  if (!result.authenticated || result.source === "api_key") throw new AuthError("unauthenticated", "sign in first");
  return result;
}
