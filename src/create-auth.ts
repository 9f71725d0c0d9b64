/**
 * The composition root: wires core (pipeline, plugins, routes, read path) to the default token
 * strategy and the API-key credential. Core itself imports neither, so features depend on core
 * and never the other way round.
 */
import { apiKeyReader } from "./credentials/api-key.js";
import { createAuditor } from "./core/audit.js";
import type { Auth, AuthOptions } from "./core/auth.js";
import { createContext, cryptoRandom, systemClock } from "./core/context.js";
import { AuthError, ConfigurationError } from "./core/errors.js";
import { assertSameOrigin } from "./core/http/csrf.js";
import { errorResponse, json } from "./core/http/respond.js";
import type { CookieOptions } from "./core/http/transport.js";
import { createPipeline, type Pipeline } from "./core/pipeline.js";
import { registerPlugins, type PluginHost, type PluginRoute } from "./core/plugins.js";
import { createAuthenticator } from "./core/read-path.js";
import { coreRoutes } from "./core/routes.js";
import { sessionResponse } from "./core/session-response.js";
import { parseSettings } from "./core/settings.js";
import { opaqueTokens } from "./sessions/opaque.js";

export type { Auth, AuthOptions };

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

  if ("hasher" in options) {
    // 0.4 took the hasher here; a silently ignored option would leave sign-up without a route.
    throw new ConfigurationError("createAuth no longer takes a hasher: pass it to the password plugin, plugins: [emailPassword({ hasher })] from portcullis/password");
  }
  const audit = createAuditor(stores.audit);
  if (settings.apiKeyHeader !== null && stores.apiKeys === undefined) {
    throw new ConfigurationError("settings.apiKeyHeader needs stores.apiKeys");
  }
  const authenticate = createAuthenticator({
    strategy,
    users: stores.users,
    cookie,
    apiKeys: stores.apiKeys === undefined ? undefined : apiKeyReader(stores.apiKeys),
    apiKeyHeader: settings.apiKeyHeader,
  });
  // After the read path exists: plugin routes (admin, ...) authenticate their callers with it.
  // Plugins are set up before the pipeline exists (they supply its risk and challenge stages);
  // their routes run later, when it does.
  let pipeline: Pipeline | undefined;
  const attempt: PluginHost["attempt"] = (run, ctx) => pipeline!.run(run, ctx);
  const respond: PluginHost["sessionResponse"] = (result, responseOptions) => sessionResponse(cookie, result, responseOptions);
  const signIn: PluginHost["signIn"] = async (run, ctx, responseOptions) => respond(await attempt(run, ctx), responseOptions);
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
  const registry = registerPlugins(options.plugins ?? [], stores, {
    settings,
    authenticate,
    signIn,
    attempt,
    sessionResponse: respond,
    emitUserEvent,
    audit,
    clock,
    random,
  });
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
    ...coreRoutes({ strategy, audit, authenticate, cookie }),
    ...tokens.routes,
    ...registry.routes,
  ]);
  const sameOrigin = { trustedOrigins: new Set(settings.trustedOrigins), publicOrigin: settings.publicOrigin };
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
        assertSameOrigin(request, ctx.url, sameOrigin);
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
