/**
 * Reads the gateway's configuration from Worker bindings (`wrangler.toml` [vars]) and checks it
 * once per isolate. Every mistake is a `ConfigurationError` naming the variable: a gateway that
 * guesses would fail open.
 */
import type { D1DatabaseLike } from "../src/adapters/d1/index.js";
import { ConfigurationError } from "../src/core/errors.js";
import type { SettingsInput } from "../src/core/settings.js";
import { normalizeEmail } from "../src/credentials/password/policy.js";
import { parseList, type RouteRule } from "../src/runtimes/access/index.js";

export interface GatewayEnv {
  DB: D1DatabaseLike;
  /** Where authenticated requests go, e.g. "https://app.internal.example" or "http://127.0.0.1:8788". */
  ORIGIN_URL: string;
  /** Comma-separated: exact paths ("/favicon.ico") and prefixes ("/public/*"). */
  PUBLIC_PATHS?: string;
  /** Default "/auth". */
  AUTH_BASE_PATH?: string;
  /** Comma-separated bare origins allowed to post forms to us besides our own. */
  TRUSTED_ORIGINS?: string;
  /** "false" only for plain-http development on a host other than localhost. */
  COOKIE_SECURE?: string;
  /**
   * JSON array of route rules, e.g. `[{"method":"GET","path":"/admin/*","permission":"admin:read"}]`;
   * see src/runtimes/access/route-rules.ts for the pattern syntax and precedence.
   */
  ROUTE_RULES?: string;
  /**
   * STAND-IN until the authorization engine lands: comma-separated emails whose (verified)
   * owners hold every permission a route rule asks for. See `admin-emails.ts`.
   */
  ADMIN_EMAILS?: string;
}

export interface GatewayConfig {
  originUrl: URL;
  publicPaths: string[];
  settings: SettingsInput;
  /** Shape-checked here; patterns and requirements are validated when the gateway compiles them. */
  routeRules: RouteRule[];
  /** Normalised (lower-case, NFKC) like the user store's emails. */
  adminEmails: string[];
}

/** Cookie name when `COOKIE_SECURE=false`: the `__Host-` prefix requires `Secure`. */
export const INSECURE_COOKIE_NAME = "portcullis";

export function gatewayConfig(env: GatewayEnv): GatewayConfig {
  const originUrl = parseOriginUrl(env.ORIGIN_URL);
  const secure = parseSecure(env.COOKIE_SECURE);
  const settings: SettingsInput = {
    trustedOrigins: parseList(env.TRUSTED_ORIGINS),
    // Cloudflare sets this header itself and overwrites any client value, so it is trustworthy here.
    ipHeader: "cf-connecting-ip",
    cookie: secure ? {} : { secure: false, name: INSECURE_COOKIE_NAME },
  };
  const basePath = env.AUTH_BASE_PATH?.trim();
  if (basePath !== undefined && basePath !== "") settings.basePath = basePath;
  return { originUrl, publicPaths: parseList(env.PUBLIC_PATHS), settings, routeRules: parseRouteRules(env.ROUTE_RULES), adminEmails: parseAdminEmails(env.ADMIN_EMAILS) };
}

/** Absent or blank means no rules; anything else must be a JSON array of objects. */
export function parseRouteRules(value: string | undefined): RouteRule[] {
  if (value === undefined || value.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigurationError("ROUTE_RULES must be a JSON array of rules");
  }
  if (!Array.isArray(parsed)) throw new ConfigurationError("ROUTE_RULES must be a JSON array of rules");
  parsed.forEach((rule: unknown, index) => {
    if (typeof rule !== "object" || rule === null || Array.isArray(rule)) throw new ConfigurationError(`ROUTE_RULES[${index}] must be an object`);
  });
  return parsed as RouteRule[];
}

/**
 * One address per comma-separated item, normalised as sign-up normalises them, so the
 * comparison is exact. An item that is not one valid address (`a@x.test b@y.test`,
 * `a@b@x.test`) stops start-up instead of granting something unintended.
 */
function parseAdminEmails(value: string | undefined): string[] {
  return parseList(value).map((item) => {
    try {
      return normalizeEmail(item);
    } catch {
      throw new ConfigurationError(`ADMIN_EMAILS: ${JSON.stringify(item)} is not one valid email address`);
    }
  });
}

function parseOriginUrl(value: string | undefined): URL {
  if (value === undefined || value.trim() === "") throw new ConfigurationError("ORIGIN_URL is required");
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigurationError("ORIGIN_URL must be an absolute http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigurationError("ORIGIN_URL must use http or https");
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new ConfigurationError("ORIGIN_URL must not carry credentials, a query or a fragment");
  }
  return url;
}

function parseSecure(value: string | undefined): boolean {
  const normalised = value?.trim().toLowerCase() ?? "";
  if (normalised === "" || normalised === "true") return true;
  if (normalised === "false") return false;
  throw new ConfigurationError('COOKIE_SECURE must be "true" or "false"');
}
