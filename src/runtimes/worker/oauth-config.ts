/**
 * Which OAuth / OIDC providers the gateway offers, read from vars and secrets:
 *
 *   OIDC_PROVIDERS           JSON array of {"id", "issuer", "clientId", "name"?} (a var: no secrets)
 *   OAUTH_<ID>_CLIENT_SECRET each provider's client secret (a secret: `wrangler secret put`),
 *                            <ID> = the id upper-cased with "-" -> "_"
 *   GOOGLE_CLIENT_ID + GOOGLE_CLIENT_SECRET, GITHUB_CLIENT_ID + GITHUB_CLIENT_SECRET
 *
 * Plain data only (building the providers is `plugins.ts`), so this stays testable without a
 * network. Messages name variables, never values: a secret pasted into the wrong place must not
 * end up in a log.
 */
import { ConfigurationError } from "../../index.js";
import { optionalText, parseSecureUrl } from "./env-values.js";

export type OAuthProviderSpec =
  | { kind: "oidc"; id: string; label: string; issuer: string; clientId: string; clientSecret: string }
  | { kind: "google"; id: "google"; label: string; clientId: string; clientSecret: string }
  | { kind: "github"; id: "github"; label: string; clientId: string; clientSecret: string };

/** The vars this module reads; the secret names are per provider, hence the pattern. */
export interface OAuthEnv {
  OIDC_PROVIDERS?: string;
  GOOGLE_CLIENT_ID?: string;
  GOOGLE_CLIENT_SECRET?: string;
  GITHUB_CLIENT_ID?: string;
  GITHUB_CLIENT_SECRET?: string;
  readonly [secret: `OAUTH_${string}_CLIENT_SECRET`]: string | undefined;
}

/** The same rule as the OAuth plugin's: a route segment and a credential namespace. */
const PROVIDER_ID = /^[a-z0-9-]{1,32}$/;
const ENTRY_KEYS = new Set(["id", "issuer", "clientId", "name"]);
const MAX_LABEL = 40;

/** `OAUTH_<ID>_CLIENT_SECRET` for a provider id: "acme-sso" -> "OAUTH_ACME_SSO_CLIENT_SECRET". */
export function clientSecretVar(id: string): `OAUTH_${string}_CLIENT_SECRET` {
  return `OAUTH_${id.toUpperCase().replace(/-/g, "_")}_CLIENT_SECRET`;
}

export function parseOAuthProviders(env: OAuthEnv): OAuthProviderSpec[] {
  const specs: OAuthProviderSpec[] = [...parseOidcProviders(env)];
  const google = pair(env, "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET");
  if (google !== null) specs.push({ kind: "google", id: "google", label: "Google", ...google });
  const github = pair(env, "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET");
  if (github !== null) specs.push({ kind: "github", id: "github", label: "GitHub", ...github });

  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.id)) {
      throw new ConfigurationError(`OIDC_PROVIDERS: the id "${spec.id}" is used twice (ids "google" and "github" are taken when GOOGLE_CLIENT_ID / GITHUB_CLIENT_ID are set)`);
    }
    seen.add(spec.id);
  }
  return specs;
}

function parseOidcProviders(env: OAuthEnv): OAuthProviderSpec[] {
  const raw = optionalText(env.OIDC_PROVIDERS);
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigurationError('OIDC_PROVIDERS must be a JSON array of {"id", "issuer", "clientId"} objects');
  }
  if (!Array.isArray(parsed)) throw new ConfigurationError('OIDC_PROVIDERS must be a JSON array of {"id", "issuer", "clientId"} objects');
  return parsed.map((entry: unknown, index) => oidcEntry(env, entry, `OIDC_PROVIDERS[${index}]`));
}

function oidcEntry(env: OAuthEnv, entry: unknown, where: string): OAuthProviderSpec {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new ConfigurationError(`${where} must be an object`);
  const fields = entry as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    // A var is visible in the dashboard and in wrangler.toml: a secret there is already leaked.
    if (key === "clientSecret" || key === "secret") {
      throw new ConfigurationError(`${where} must not carry the client secret: put it in the secret ${typeof fields.id === "string" && PROVIDER_ID.test(fields.id) ? clientSecretVar(fields.id) : "OAUTH_<ID>_CLIENT_SECRET"} instead`);
    }
    if (!ENTRY_KEYS.has(key)) throw new ConfigurationError(`${where} has an unknown field "${key.slice(0, 40)}" (allowed: id, issuer, clientId, name)`);
  }
  const { id, issuer, clientId, name } = fields;
  if (typeof id !== "string" || !PROVIDER_ID.test(id)) throw new ConfigurationError(`${where}.id must match [a-z0-9-]{1,32}`);
  if (typeof issuer !== "string" || issuer.trim() === "") throw new ConfigurationError(`${where}.issuer is required (the provider's issuer URL)`);
  const issuerUrl = parseSecureUrl(`${where}.issuer`, issuer.trim());
  if (issuerUrl.search !== "") throw new ConfigurationError(`${where}.issuer must not carry a query`);
  if (typeof clientId !== "string" || !isToken(clientId)) throw new ConfigurationError(`${where}.clientId must be a non-empty string without spaces`);
  let label = id;
  if (name !== undefined) {
    if (typeof name !== "string" || name.trim() === "" || name.trim().length > MAX_LABEL) throw new ConfigurationError(`${where}.name must be a non-empty string of at most ${MAX_LABEL} characters`);
    label = name.trim();
  }
  const secretVar = clientSecretVar(id);
  const clientSecret = optionalText(env[secretVar]);
  if (clientSecret === undefined) {
    throw new ConfigurationError(`${secretVar} is required for the OIDC provider "${id}" (set it with \`wrangler secret put ${secretVar}\`, or in .dev.vars locally)`);
  }
  // The issuer is compared with the discovery document's and the id_token's `iss` exactly, so it
  // is passed on as written (trimmed), not re-serialised (which would add a trailing slash).
  return { kind: "oidc", id, label, issuer: issuer.trim(), clientId, clientSecret };
}

/** Both or neither: half a client registration is a mistake, not "off". */
function pair(env: OAuthEnv, idVar: "GOOGLE_CLIENT_ID" | "GITHUB_CLIENT_ID", secretVar: "GOOGLE_CLIENT_SECRET" | "GITHUB_CLIENT_SECRET"): { clientId: string; clientSecret: string } | null {
  const clientId = optionalText(env[idVar]);
  const clientSecret = optionalText(env[secretVar]);
  if (clientId === undefined && clientSecret === undefined) return null;
  if (clientId === undefined) throw new ConfigurationError(`${secretVar} is set but ${idVar} is not: set both or neither`);
  if (clientSecret === undefined) throw new ConfigurationError(`${idVar} is set but ${secretVar} is not: set both (\`wrangler secret put ${secretVar}\`) or neither`);
  if (!isToken(clientId)) throw new ConfigurationError(`${idVar} must not contain spaces`);
  return { clientId, clientSecret };
}

function isToken(value: string): boolean {
  return value.length > 0 && value.length <= 512 && !/[\s\u0000-\u001f\u007f]/.test(value);
}
