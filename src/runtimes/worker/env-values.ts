/**
 * Small readers for Worker vars, shared by the config modules. Every mistake is a
 * `ConfigurationError` that names the variable and never repeats its value: some of these are
 * secrets, and a message must be safe to log whatever was pasted where.
 */
import { isLoopbackHost } from "../../gateway/index.js";
import { ConfigurationError } from "../../index.js";

export { isLoopbackHost };

/** Trimmed, or undefined when absent or blank (wrangler passes unset vars as undefined, blank ones as ""). */
export function optionalText(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

/** "true" / "false" (any case, surrounding blanks ignored); absent or blank is `fallback`. */
export function parseFlag(name: string, value: string | undefined, fallback: boolean): boolean {
  const normalised = value?.trim().toLowerCase() ?? "";
  if (normalised === "") return fallback;
  if (normalised === "true") return true;
  if (normalised === "false") return false;
  throw new ConfigurationError(`${name} must be "true" or "false"`);
}


/**
 * An absolute https URL, or http on a loopback host (local development and tests): redirect
 * URIs, mail links and API keys do not travel in clear text anywhere else.
 */
export function parseSecureUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`${name} must be an absolute https URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new ConfigurationError(`${name} must use https (http only for localhost / 127.0.0.1)`);
  }
  if (url.username !== "" || url.password !== "" || url.hash !== "") {
    throw new ConfigurationError(`${name} must not carry credentials or a fragment`);
  }
  return url;
}

/** A bare origin ("https://auth.example.com", no path, query or trailing segments); returned normalised. */
export function parseOrigin(name: string, value: string): string {
  const url = parseSecureUrl(name, value);
  if (url.search !== "" || (url.pathname !== "/" && url.pathname !== "") || value.replace(/\/$/, "") !== url.origin) {
    throw new ConfigurationError(`${name} must be a bare origin such as https://auth.example.com (no path, query or trailing characters)`);
  }
  return url.origin;
}
