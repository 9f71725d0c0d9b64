import { ConfigurationError } from "../../core/errors.js";
import type { OAuthProvider } from "../../ports/oauth-provider.js";
import { safeReturnPath } from "../../core/http/return-path.js";

export interface OAuthOptions {
  /** The identity providers to offer; ids are route segments and credential namespaces. */
  providers: readonly OAuthProvider[];
  /**
   * A same-origin path (e.g. "/auth/sign-in"): failed start and callback requests answer a 303 to
   * `${errorRedirect}?error=<code>` instead of JSON, so a browser lands on a page that explains.
   */
  errorRedirect?: string;
  /** How long a started flow may take, in seconds (60 to 3600). Default 600. */
  stateTtlSeconds?: number;
}

export interface OAuthConfig {
  providers: ReadonlyMap<string, OAuthProvider>;
  errorRedirect: string | null;
  stateTtlSeconds: number;
}

const PROVIDER_ID = /^[a-z0-9-]{1,32}$/;
export const DEFAULT_STATE_TTL = 600;

/** Validates everything once, at start-up: a mistake here must stop the process, not fail open. */
export function parseOAuthOptions(options: OAuthOptions): OAuthConfig {
  if (options === null || typeof options !== "object") throw new ConfigurationError("oauth: options are required");
  if ("origin" in options) throw new ConfigurationError("oauth: the origin option moved to settings.publicOrigin (createAuth({ settings: { publicOrigin } }))");
  const providers = parseProviders(options.providers);
  const ttl = options.stateTtlSeconds ?? DEFAULT_STATE_TTL;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 3600) {
    throw new ConfigurationError("oauth: stateTtlSeconds must be an integer from 60 to 3600");
  }
  return { providers, errorRedirect: parseErrorRedirect(options.errorRedirect), stateTtlSeconds: ttl };
}

function parseProviders(value: unknown): Map<string, OAuthProvider> {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigurationError("oauth: providers must be a non-empty array");
  const byId = new Map<string, OAuthProvider>();
  for (const provider of value as unknown[]) {
    const candidate = provider as Partial<OAuthProvider> | null;
    const id = candidate?.id;
    if (typeof id !== "string" || !PROVIDER_ID.test(id)) {
      throw new ConfigurationError(`oauth: provider id must match [a-z0-9-]{1,32}, got ${JSON.stringify(id)}`);
    }
    if (candidate!.kind !== "oidc" && candidate!.kind !== "oauth2") throw new ConfigurationError(`oauth: provider "${id}" has kind ${JSON.stringify(candidate!.kind)}, not "oidc" or "oauth2"`);
    if (typeof candidate!.authorizationUrl !== "function" || typeof candidate!.exchange !== "function") {
      throw new ConfigurationError(`oauth: provider "${id}" must implement authorizationUrl and exchange`);
    }
    if (byId.has(id)) throw new ConfigurationError(`oauth: provider id "${id}" is used twice`);
    byId.set(id, candidate as OAuthProvider);
  }
  return byId;
}

/** Any origin does as the base: only the path's shape is judged. */
const PATH_BASE = "https://portcullis.invalid";

function parseErrorRedirect(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  // The code is appended as the only query parameter, so the path itself carries none.
  if (typeof value !== "string" || value.includes("?") || value.includes("#") || safeReturnPath(value, PATH_BASE) !== value) {
    throw new ConfigurationError(`oauth: errorRedirect must be a same-origin path without query, such as /auth/sign-in, got ${JSON.stringify(value)}`);
  }
  return value;
}
