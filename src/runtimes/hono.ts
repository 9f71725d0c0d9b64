import type { Context, Hono, MiddlewareHandler } from "hono";
import {
  forbiddenResponse,
  requestEnvironment,
  requirePermissionString,
  unauthenticatedJson,
  type Authorizer,
  type AuthzEnvironment,
  type AuthzResource,
  type AuthzSubject,
  type Decision,
  type Permission,
  type RequestEnvironmentOptions,
} from "../authz/index.js";
import { authPages, type AuthPagesOptions } from "../gateway/index.js";
import { errorResponse, type Auth, type AuthResult, type Principal } from "../index.js";

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

export interface MountAuthOptions {
  /**
   * The built-in HTML sign-in and sign-up pages at `GET {basePath}/sign-in` and
   * `GET {basePath}/sign-up` (forms that work without JavaScript); `false` serves only the JSON
   * endpoints.
   */
  pages?: AuthPagesOptions | false;
}

/**
 * Serves the HTTP surface under the configured base path: the sign-in pages, and the JSON
 * endpoints (sign-up, sign-in, sign-out, session, JWKS, and whatever the plugins add).
 */
export function mountAuth<E extends object>(app: Hono<E>, auth: Auth, options: MountAuthOptions = {}): void {
  const pages = options.pages === false ? null : authPages(auth, options.pages ?? {});
  app.all(`${auth.settings.basePath}/*`, async (c: Context) => (pages === null ? null : await pages.handle(c.req.raw)) ?? auth.handle(c.req.raw));
}

// ---------------------------------------------------------------------------
// Authorization (0.3): `authorization(authorizer)` once, then `requirePermission(...)` per route.

/** What `authorization(authorizer)` puts on the context for `requirePermission`. */
export interface HonoAuthorization {
  authorizer: Authorizer;
  subject: (principal: Principal, c: Context) => AuthzSubject | Promise<AuthzSubject>;
  environment: (c: Context) => AuthzEnvironment;
}

export interface PortcullisAuthzVariables extends PortcullisVariables {
  authorization: HonoAuthorization;
  /** The allowing decision of the last `requirePermission` that passed. */
  decision: Decision;
}

export type PortcullisAuthzEnv = { Variables: PortcullisAuthzVariables };

export interface HonoAuthorizationOptions extends Omit<RequestEnvironmentOptions, "environment"> {
  /**
   * Builds the subject from the signed-in principal: add its tenant, roles, attributes
   * (`(p) => subjectFrom(p, { tenantId: ... })`). Default: the principal itself, no tenant,
   * roles from the authorizer's assignment source.
   */
  subject?: (principal: Principal, c: Context) => AuthzSubject | Promise<AuthzSubject>;
  /** More environment attributes (`riskScore`, ...), over `ip` and `amr`. */
  environment?: (c: Context) => AuthzEnvironment;
}

/** Makes `authorizer` available to `requirePermission`. Mount after `portcullis(auth)`. */
export function authorization(authorizer: Authorizer, options: HonoAuthorizationOptions = {}): MiddlewareHandler<PortcullisAuthzEnv> {
  const extra = options.environment;
  const binding: HonoAuthorization = {
    authorizer,
    subject: options.subject ?? ((principal) => principal),
    environment: (c) =>
      requestEnvironment(c.req.raw, c.get("auth") as AuthResult | undefined, {
        ipHeader: options.ipHeader ?? null,
        ...(extra === undefined ? {} : { environment: () => extra(c) }),
      }),
  };
  return async (c, next) => {
    c.set("authorization", binding);
    await next();
  };
}

export interface RequirePermissionOptions {
  /** The resource acted on (its tenant and attributes); default none. */
  resource?: (c: Context<PortcullisAuthzEnv>) => AuthzResource | null | Promise<AuthzResource | null>;
}

/**
 * Allows the route only when the signed-in subject may perform `permission`:
 * 401 `unauthenticated` without a principal, 403 `forbidden` with the decision's
 * `reason` on a denial, 503 when a store or the audit sink fails. Mount after
 * `portcullis(auth)` and `authorization(authorizer)`. `permission` must be concrete
 * (`doc:write`, no wildcard): a bad one throws `ConfigurationError` here, at start-up.
 */
export function requirePermission(permission: Permission, options: RequirePermissionOptions = {}): MiddlewareHandler<PortcullisAuthzEnv> {
  requirePermissionString(permission, "requirePermission");
  return async (c, next) => {
    const principal = c.get("principal");
    if (principal == null) return unauthenticatedJson();
    const binding = c.get("authorization") as HonoAuthorization | undefined;
    // Fail closed on a wiring mistake: a route behind requirePermission is never open.
    if (binding === undefined) return errorResponse(new Error("requirePermission without authorization(authorizer)"));
    let decision: Decision;
    try {
      const resource = options.resource === undefined ? null : await options.resource(c);
      const subject = await binding.subject(principal, c);
      decision = await binding.authorizer.authorize({ subject, action: permission, resource, environment: binding.environment(c) });
    } catch (error) {
      return errorResponse(error);
    }
    if (!decision.allowed) return forbiddenResponse(decision);
    c.set("decision", decision);
    await next();
  };
}
