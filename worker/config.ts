/**
 * Reads the gateway's configuration from Worker bindings (`wrangler.toml` [vars]) and checks it
 * once per isolate. Every mistake is a `ConfigurationError` naming the variable: a gateway that
 * guesses would fail open.
 */
import type { D1DatabaseLike } from "../src/adapters/d1/index.js";
import { ConfigurationError } from "../src/core/errors.js";
import type { SettingsInput } from "../src/core/settings.js";
import { parseList } from "../src/runtimes/access/index.js";

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
}

export interface GatewayConfig {
  originUrl: URL;
  publicPaths: string[];
  settings: SettingsInput;
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
  return { originUrl, publicPaths: parseList(env.PUBLIC_PATHS), settings };
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
