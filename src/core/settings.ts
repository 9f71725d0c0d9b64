import * as v from "valibot";
import { ConfigurationError } from "./errors.js";

const seconds = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const DAY = 86_400;

const OriginSchema = v.pipe(
  v.string(),
  v.url(),
  v.check(
    (value) => !value.includes("*") && new URL(value).origin === value.replace(/\/$/, ""),
    "must be a bare origin such as https://app.example.com (no path, no wildcard)",
  ),
);

const SettingsSchema = v.strictObject({
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
  password: v.optional(
    v.strictObject({
      /** NIST 800-63B-4: at least 8; 15 recommended when the password is the only factor. */
      minLength: v.optional(v.pipe(v.number(), v.integer(), v.minValue(8), v.maxValue(64)), 8),
      /** NIST 800-63B-4: accept at least 64. */
      maxLength: v.optional(v.pipe(v.number(), v.integer(), v.minValue(64), v.maxValue(1024)), 256),
    }),
    {},
  ),
});

export type SettingsInput = v.InferInput<typeof SettingsSchema>;
export type Settings = v.InferOutput<typeof SettingsSchema>;

/** Validates once at start-up; any problem is a `ConfigurationError` naming the setting. */
export function parseSettings(input: SettingsInput | undefined): Settings {
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
  return settings;
}
