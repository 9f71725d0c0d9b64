/**
 * Reads the gateway's configuration from Worker bindings (`wrangler.toml` [vars]) and checks it
 * once per isolate. Every mistake is a `ConfigurationError` naming the variable: a gateway that
 * guesses would fail open.
 */
import type { D1DatabaseLike } from "../../adapters/d1/index.js";
import { parseList, type OriginPathStyle, type RouteRule } from "../../gateway/index.js";
import { ConfigurationError, type SettingsInput } from "../../index.js";
import { optionalText, parseFlag, parseOrigin } from "./env-values.js";
import { parseMail, type MailConfig, type MailEnv } from "./mail-config.js";
import { parseOAuthProviders, type OAuthEnv, type OAuthProviderSpec } from "./oauth-config.js";

/** OAuth (oauth-config.ts) and mail (mail-config.ts) variables are declared next to their parsers. */
export interface GatewayEnv extends OAuthEnv, MailEnv {
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
   * see src/gateway/route-rules.ts for the pattern syntax and precedence.
   */
  ROUTE_RULES?: string;
  /**
   * How the origin reads a path segment ending in dots or spaces (`/admin.`): "strict" (default:
   * refused as ambiguous), "windows" (folded away, as IIS does) or "posix" (a different path).
   */
  ROUTE_PATH_STYLE?: string;
  /** Seconds to wait for the origin's response headers before answering 504. Default 30, 1 to 300. */
  ORIGIN_TIMEOUT?: string;
  /**
   * JSON array of role definitions for the authorization engine,
   * e.g. `[{"id":"admin","permissions":["*"],"tenantId":null}]`. Who holds which role lives in
   * D1 (the access store: `npm run admin -- assign-role ...`, or the admin API). Absent or blank:
   * no roles, so every `permission` rule denies.
   */
  ROLES?: string;
  /** Optional JSON array of ABAC policy documents (`{ id, effect, actions, condition? }`). */
  POLICIES?: string;
  /**
   * REMOVED (it was the stand-in before the authorization engine). Still declared so that a
   * deployment that sets it stops with a message instead of silently losing its administrators.
   */
  ADMIN_EMAILS?: string;
  /**
   * The gateway's public origin as browsers see it, e.g. "https://auth.example.com": OAuth
   * redirect URIs (`{origin}{base}/oauth/<id>/callback`) and links in mail are built from it,
   * never from the Host header. Required as soon as OAuth or mail is configured.
   */
  PUBLIC_ORIGIN?: string;
  /** "true": sign-in needs a verified email address (needs a mailer to send the links). */
  REQUIRE_VERIFIED_EMAIL?: string;
}

export interface GatewayConfig {
  originUrl: URL;
  /** AUTH_BASE_PATH, "/auth" by default (checked by createAuth with the other settings). */
  basePath: string;
  publicPaths: string[];
  settings: SettingsInput;
  /** Shape-checked here; patterns and requirements are validated when the gateway compiles them. */
  routeRules: RouteRule[];
  /** ROUTE_PATH_STYLE. */
  pathStyle: OriginPathStyle;
  /** ORIGIN_TIMEOUT, in milliseconds. */
  originTimeoutMs: number;
  /**
   * Shape-checked here (JSON arrays of objects); the authorization engine validates their
   * content when the gateway builds it (see `authorization.ts`), and errors name the variable.
   */
  roles: unknown[];
  policies: unknown[];
  /** PUBLIC_ORIGIN, normalised; null when unset (then no OAuth and no mail). */
  publicOrigin: string | null;
  /** In the order the sign-in page lists them: OIDC_PROVIDERS, then Google, then GitHub. */
  oauthProviders: OAuthProviderSpec[];
  /** Null: no mail, so no magic links and no address verification. */
  mail: MailConfig | null;
}

/** Cookie name when `COOKIE_SECURE=false`: the `__Host-` prefix requires `Secure`. */
export const INSECURE_COOKIE_NAME = "portcullis";

export function gatewayConfig(env: GatewayEnv): GatewayConfig {
  if (env.ADMIN_EMAILS !== undefined && env.ADMIN_EMAILS.trim() !== "") {
    throw new ConfigurationError(
      "ADMIN_EMAILS is no longer read: define roles in ROLES and assign them (npm run admin -- assign-role --email <e> --role <id>, or the admin API), then remove ADMIN_EMAILS",
    );
  }
  const originUrl = parseOriginUrl(env.ORIGIN_URL);
  const secure = parseFlag("COOKIE_SECURE", env.COOKIE_SECURE, true);
  const publicOrigin = parsePublicOrigin(env.PUBLIC_ORIGIN);
  const oauthProviders = parseOAuthProviders(env);
  if (oauthProviders.length > 0 && publicOrigin === null) {
    throw new ConfigurationError("PUBLIC_ORIGIN is required when OAuth providers are configured: redirect URIs are built from it (e.g. https://auth.example.com)");
  }
  const mail = parseMail(env, publicOrigin);
  const requireVerifiedEmail = parseFlag("REQUIRE_VERIFIED_EMAIL", env.REQUIRE_VERIFIED_EMAIL, false);
  if (requireVerifiedEmail && mail === null) {
    throw new ConfigurationError("REQUIRE_VERIFIED_EMAIL needs a mailer to send verification links: set MAIL_API_URL, MAIL_API_KEY and MAIL_FROM (or DEV_INBOX in development)");
  }
  const settings: SettingsInput = {
    publicOrigin,
    trustedOrigins: parseList(env.TRUSTED_ORIGINS),
    // Cloudflare sets this header itself and overwrites any client value, so it is trustworthy here.
    ipHeader: "cf-connecting-ip",
    cookie: secure ? {} : { secure: false, name: INSECURE_COOKIE_NAME },
  };
  if (requireVerifiedEmail) settings.requireVerifiedEmail = true;
  const basePath = optionalText(env.AUTH_BASE_PATH) ?? "/auth";
  settings.basePath = basePath;
  return {
    basePath,
    originUrl,
    publicPaths: parseList(env.PUBLIC_PATHS),
    settings,
    routeRules: parseRouteRules(env.ROUTE_RULES),
    pathStyle: parsePathStyle(env.ROUTE_PATH_STYLE),
    originTimeoutMs: parseOriginTimeout(env.ORIGIN_TIMEOUT),
    roles: parseJsonArray("ROLES", env.ROLES, "role definitions"),
    policies: parseJsonArray("POLICIES", env.POLICIES, "policy documents"),
    publicOrigin,
    oauthProviders,
    mail,
  };
}

function parsePublicOrigin(value: string | undefined): string | null {
  const trimmed = optionalText(value);
  return trimmed === undefined ? null : parseOrigin("PUBLIC_ORIGIN", trimmed);
}

const PATH_STYLES: readonly OriginPathStyle[] = ["strict", "windows", "posix"];

function parsePathStyle(value: string | undefined): OriginPathStyle {
  const style = optionalText(value)?.toLowerCase() ?? "strict";
  if (!(PATH_STYLES as readonly string[]).includes(style)) throw new ConfigurationError('ROUTE_PATH_STYLE must be "strict", "windows" or "posix"');
  return style as OriginPathStyle;
}

/** Whole seconds, 1 to 300 (a Worker request cannot usefully wait longer); 30 by default. */
function parseOriginTimeout(value: string | undefined): number {
  const text = optionalText(value);
  if (text === undefined) return 30_000;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 1 || seconds > 300) throw new ConfigurationError("ORIGIN_TIMEOUT must be a whole number of seconds from 1 to 300");
  return seconds * 1000;
}

/** Absent or blank means no rules; anything else must be a JSON array of objects. */
export function parseRouteRules(value: string | undefined): RouteRule[] {
  return parseJsonArray("ROUTE_RULES", value, "rules") as RouteRule[];
}

/**
 * Absent or blank is an empty list; anything else must be a JSON array of objects. Only the
 * shape is checked here, with the variable's name in every message; the content is validated
 * by whoever compiles it (route rules, the authorization engine).
 */
export function parseJsonArray(name: string, value: string | undefined, what: string): unknown[] {
  if (value === undefined || value.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigurationError(`${name} must be a JSON array of ${what}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigurationError(`${name} must be a JSON array of ${what}`);
  parsed.forEach((item: unknown, index) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw new ConfigurationError(`${name}[${index}] must be an object`);
  });
  return parsed;
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
