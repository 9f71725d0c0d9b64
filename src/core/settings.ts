import * as v from "valibot";
import { ConfigurationError } from "./errors.js";
import { isSecureOrLoopback } from "./http/public-origin.js";

const seconds = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const DAY = 86_400;

const OriginSchema = v.pipe(
  v.string(),
  v.url(),
  // valibot runs every check of a pipe even after v.url() failed: this one must not throw.
  v.check((value) => !value.includes("*") && URL.canParse(value) && new URL(value).origin === value.replace(/\/$/, ""), "must be a bare origin such as https://app.example.com (no path, no wildcard)"),
);

const SettingsSchema = v.strictObject({
  /**
   * The origin browsers use to reach this app, e.g. "https://app.example.com". Behind a proxy,
   * a load balancer or `next start`, `request.url` is not it; CSRF checks, redirects, OAuth
   * redirect URIs and links in mail use this instead. Required by the features that build
   * absolute URLs (OAuth, magic links, email verification); null: the request's own origin.
   */
  publicOrigin: v.optional(v.nullable(OriginSchema), null),
  /** Where the HTTP surface is mounted. */
  basePath: v.optional(v.pipe(v.string(), v.regex(/^(\/[a-z0-9._~-]+)+$/i, "must look like /auth")), "/auth"),
  /** Origins besides the request's own that may send cookie-authenticated state-changing requests. */
  trustedOrigins: v.optional(v.array(OriginSchema), []),
  /** Header set by a trusted proxy with the client IP (e.g. cf-connecting-ip). Null trusts none. */
  ipHeader: v.optional(v.nullable(v.pipe(v.string(), v.toLowerCase())), null),
  /**
   * Header that may carry an API key (e.g. "x-api-key"), besides `Authorization: Bearer`.
   * Null (the default): bearer only. Used only when `stores.apiKeys` is configured.
   */
  apiKeyHeader: v.optional(
    v.nullable(
      v.pipe(
        v.string(),
        v.toLowerCase(),
        v.regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/, "must be a header name"),
        v.check((name) => name !== "authorization" && name !== "cookie" && !name.startsWith("x-portcullis-"), "must not be authorization, cookie or x-portcullis-*"),
      ),
    ),
    null,
  ),
  /**
   * Sign-in needs a verified email (off by default). Sign-up then issues no session: it answers
   * 202 `{ verificationRequired: true }` whether or not the address was already registered, so
   * sign-up no longer tells who has an account.
   */
  requireVerifiedEmail: v.optional(v.boolean(), false),
  /** Largest request body accepted, in bytes. */
  bodyLimit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024), v.maxValue(1_048_576)), 16_384),
  session: v.optional(
    v.strictObject({
      /** Idle timeout in seconds: a session unused this long ends. */
      idleTimeout: v.optional(seconds(60, 365 * DAY), 7 * DAY),
      /** Absolute timeout in seconds: a session ends this long after sign-in whatever the activity. */
      absoluteTimeout: v.optional(seconds(60, 400 * DAY), 30 * DAY),
    }),
    {},
  ),
  cookie: v.optional(
    v.strictObject({
      name: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "must be a cookie token")), "__Host-portcullis"),
      /** Only for plain-http development on a host other than localhost. */
      secure: v.optional(v.boolean(), true),
    }),
    {},
  ),
});

/** Settings that moved to a plugin in 0.4.1: a precise message instead of "unknown key". */
const MOVED: Record<string, string> = {
  password: "settings.password moved to the password plugin: emailPassword({ hasher, minLength, maxLength }) from portcullis/password",
};

export type SettingsInput = v.InferInput<typeof SettingsSchema>;
export type Settings = v.InferOutput<typeof SettingsSchema>;

/** Validates once at start-up; any problem is a `ConfigurationError` naming the setting. */
export function parseSettings(input: SettingsInput | undefined): Settings {
  for (const [key, message] of Object.entries(MOVED)) {
    if (input !== null && typeof input === "object" && key in input) throw new ConfigurationError(`invalid settings: ${message}`);
  }
  const result = v.safeParse(SettingsSchema, input ?? {});
  if (!result.success) {
    const lines = result.issues.map((issue) => `${v.getDotPath(issue) ?? "settings"}: ${issue.message}`);
    throw new ConfigurationError(`invalid settings: ${lines.join("; ")}`);
  }
  const settings = result.output;
  if (settings.session.idleTimeout > settings.session.absoluteTimeout) {
    throw new ConfigurationError("invalid settings: session.idleTimeout must not exceed session.absoluteTimeout");
  }
  if (settings.cookie.name.startsWith("__Host-") && !settings.cookie.secure) {
    throw new ConfigurationError("invalid settings: a __Host- cookie must be secure; rename cookie.name to use cookie.secure=false");
  }
  if (settings.publicOrigin !== null) {
    // A cookie marked Secure never comes back over plain http, except to localhost.
    if (!isSecureOrLoopback(new URL(settings.publicOrigin)) && settings.cookie.secure) {
      throw new ConfigurationError("invalid settings: publicOrigin must use https (http only for localhost, or with cookie.secure=false)");
    }
  }
  return settings;
}
