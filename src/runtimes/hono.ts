import type { Context, Hono, MiddlewareHandler } from "hono";
import type { Auth } from "../core/create-auth.js";
import { errorResponse } from "../core/http/respond.js";
import type { AuthResult } from "../core/read-path.js";
import type { Principal } from "../ports/principal.js";

export interface PortcullisVariables {
  auth: AuthResult;
  /** The signed-in principal, or null. */
  principal: Principal | null;
}

export type PortcullisEnv = { Variables: PortcullisVariables };

/**
 * Authenticates every request once and puts the result on the context
 * (`c.get("principal")`). It never rejects by itself (use `requireAuth`), except
 * when a store fails: then it answers 503 rather than treating the caller as anonymous.
 */
export function portcullis(auth: Auth): MiddlewareHandler<PortcullisEnv> {
  return async (c, next) => {
    let result: AuthResult;
    try {
      result = await auth.authenticate(c.req.raw);
    } catch (error) {
      return errorResponse(error);
    }
    c.set("auth", result);
    c.set("principal", result.authenticated ? result.principal : null);
    await next();
  };
}

/** Refuses anonymous callers with 401 `unauthenticated`. Mount after `portcullis(auth)`. */
export function requireAuth(): MiddlewareHandler<PortcullisEnv> {
  return async (c, next) => {
    if (c.get("principal") == null) {
      return c.json({ error: { code: "unauthenticated", message: "sign in first" } }, 401, { "cache-control": "no-store" });
    }
    await next();
  };
}

/** Serves the HTTP surface (sign-up, sign-in, sign-out, session, JWKS) under the configured base path. */
export function mountAuth<E extends object>(app: Hono<E>, auth: Auth): void {
  app.all(`${auth.settings.basePath}/*`, (c: Context) => auth.handle(c.req.raw));
}
