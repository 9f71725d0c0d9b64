import { decoyVerifier } from "../credentials/password/dummy-verify.js";
import type { PasswordHasher } from "../ports/password-hasher.js";
import type { TokenStrategyProvider } from "../ports/token-strategy.js";
import { opaqueTokens } from "../sessions/opaque.js";
import type { CookieOptions } from "../sessions/transport.js";
import { createAuditor } from "./audit.js";
import { createContext, cryptoRandom, systemClock, type Clock, type Random } from "./context.js";
import { AuthError, ConfigurationError } from "./errors.js";
import { assertSameOrigin } from "./http/csrf.js";
import { errorResponse, json } from "./http/respond.js";
import { createPipeline, type Pipeline } from "./pipeline.js";
import { registerPlugins, type Plugin, type PluginHost, type PluginRoute, type Stores } from "./plugins.js";
import { createAuthenticator, type AuthResult } from "./read-path.js";
import { coreRoutes } from "./routes.js";
import { sessionResponse } from "./session-response.js";
import { parseSettings, type Settings, type SettingsInput } from "./settings.js";

export interface AuthOptions {
  stores: Stores;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each plugin carries its own requirement type
  plugins?: readonly Plugin<any>[];
  settings?: SettingsInput;
  /**
   * Required, so no runtime silently gets a slow or weak default: `argon2idHasher({ module })`
   * (precompiled WASM, recommended everywhere) or `argon2idJSHasher()` (pure JS, about 10x slower).
   */
  hasher: PasswordHasher;
  /** How sessions become tokens: `opaqueTokens()` (default) or `jwtTokens({ issuer, audience })`. */
  tokens?: TokenStrategyProvider;
  clock?: Clock;
  random?: Random;
}

export interface Auth {
  /** The HTTP surface under `settings.basePath`. Never throws: every failure is a Response. */
  handle(request: Request): Promise<Response>;
  /** The read path for middleware and the gateway. Throws `StorageError` when a store fails. */
  authenticate(request: Request): Promise<AuthResult>;
  readonly settings: Settings;
}

/**
 * Validates everything once, wires the pipeline, and returns the two entry points.
 * Misconfiguration throws `ConfigurationError` here, never at request time.
 */
export function createAuth(options: AuthOptions): Auth {
  const settings = parseSettings(options.settings);
  const { stores } = options;
  for (const name of ["users", "credentials", "sessions", "audit"] as const) {
    if (stores?.[name] === undefined) throw new ConfigurationError(`stores.${name} is required`);
  }
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const contextOptions = { clock, random, ipHeader: settings.ipHeader };
  const cookie: CookieOptions = { name: settings.cookie.name, secure: settings.cookie.secure };
  const timeouts = { idle: settings.session.idleTimeout * 1000, absolute: settings.session.absoluteTimeout * 1000 };

  const tokens = (options.tokens ?? opaqueTokens()).create({ sessions: stores.sessions, keys: stores.keys, clock, timeouts });
  const strategy = tokens.strategy;

  const hasher = options.hasher;
  if (hasher === undefined) {
    throw new ConfigurationError("createAuth needs a password hasher: argon2idHasher({ module }) or argon2idJSHasher()");
  }
  const audit = createAuditor(stores.audit);
  if (settings.apiKeyHeader !== null && stores.apiKeys === undefined) {
    throw new ConfigurationError("settings.apiKeyHeader needs stores.apiKeys");
  }
  const authenticate = createAuthenticator({
    strategy,
    users: stores.users,
    cookie,
    apiKeys: stores.apiKeys,
    apiKeyHeader: settings.apiKeyHeader,
  });
  // After the read path exists: plugin routes (admin, ...) authenticate their callers with it.
  // Plugins are set up before the pipeline exists (they supply its risk and challenge stages);
  // their routes run later, when it does.
  let pipeline: Pipeline | undefined;
  const signIn: PluginHost["signIn"] = async (attempt, ctx, responseOptions) => sessionResponse(cookie, await pipeline!.run(attempt, ctx), responseOptions);
  const emitUserEvent: PluginHost["emitUserEvent"] = async (event, ctx) => {
    for (const listener of registry.userEvents) {
      try {
        await listener(event, ctx);
      } catch {
        // The account exists either way; the listener audits its own failures, and a
        // verification mail can be requested again.
      }
    }
  };
  const registry = registerPlugins(options.plugins ?? [], stores, { settings, authenticate, signIn, emitUserEvent, audit, clock, random });
  const access = stores.access;
  pipeline = createPipeline({
    strategy,
    audit,
    risk: registry.risk,
    challenges: registry.challenges,
    // One tenant per user in 0.3: the oldest membership. Choosing among several is phase 5.
    ...(access === undefined ? {} : { tenantOf: async (user) => (await access.membershipsOf(user.id))[0]?.tenantId ?? null }),
    requireVerifiedEmail: settings.requireVerifiedEmail,
  });
  const routes = indexRoutes([
    ...coreRoutes({ settings, users: stores.users, credentials: stores.credentials, hasher, decoy: decoyVerifier(hasher), strategy, pipeline, audit, authenticate, cookie, emitUserEvent }),
    ...tokens.routes,
    ...registry.routes,
  ]);
  const trustedOrigins = new Set(settings.trustedOrigins);
  const prefix = settings.basePath + "/";

  return {
    settings,
    authenticate: (request) => authenticate(createContext(request, contextOptions)),
    async handle(request: Request): Promise<Response> {
      const ctx = createContext(request, contextOptions);
      const path = ctx.url.pathname;
      if (!path.startsWith(prefix)) return errorResponse(notFound());
      const byMethod = routes.get(path.slice(settings.basePath.length));
      if (byMethod === undefined) return errorResponse(notFound());
      const route = byMethod.get(request.method);
      if (route === undefined) {
        return json(405, { error: { code: "method_not_allowed", message: "method not allowed" } }, { allow: [...byMethod.keys()].join(", ") });
      }
      try {
        assertSameOrigin(request, ctx.url, trustedOrigins);
        return await route.handle(ctx);
      } catch (error) {
        return errorResponse(error);
      }
    },
  };
}

function indexRoutes(list: readonly PluginRoute[]): Map<string, Map<string, PluginRoute>> {
  const index = new Map<string, Map<string, PluginRoute>>();
  for (const route of list) {
    const byMethod = index.get(route.path) ?? new Map<string, PluginRoute>();
    if (byMethod.has(route.method)) throw new ConfigurationError(`two routes claim ${route.method} ${route.path}`);
    byMethod.set(route.method, route);
    index.set(route.path, byMethod);
  }
  return index;
}

function notFound(): AuthError {
  return new AuthError("not_found", "no such endpoint");
}
