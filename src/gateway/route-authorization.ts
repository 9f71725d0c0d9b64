/**
 * Per-route authorization for the gateway (and any other `accessPolicy` user): after a request
 * is authenticated, the most specific matching route rule decides whether it may go on.
 *
 * The permission check is injected (`check`), so this module has no idea how permissions are
 * granted: the Worker passes a stand-in today and the authorization engine later, with no
 * change here. Every denial is handed to `audit` before the 403 is returned.
 */
import { AuditError, AuthError, ConfigurationError } from "../core/errors.js";
import { errorResponse } from "../core/http/respond.js";
import type { Principal } from "../ports/principal.js";
import type { SessionRecord } from "../ports/session-store.js";
import { failClosedResponse } from "./responses.js";
import { matchedMethod } from "./route-pattern.js";
import { compileRouteRules, type CompiledRouteRule, type OriginPathStyle, type RouteMatch, type RouteRule, type RouteRuleMatcher } from "./route-rules.js";

export interface PermissionDecision {
  /** Only the boolean `true` allows; anything else (a truthy string, undefined) denies. */
  allowed: boolean;
  /** A short, stable reason code ("granted", "no_role", ...); audited on denial, never sent to the client. */
  reason: string;
}

export interface RouteCheckContext {
  rule: CompiledRouteRule;
  /** The `:param` segments of the matched pattern, e.g. `{ id: "42" }` for `/docs/:id`. */
  params: Readonly<Record<string, string>>;
  /** The authenticated session (its `amr` feeds step-up policies); null for an API key. */
  session: SessionRecord | null;
}

/** Is `principal` granted `permission` (a `resource:action` string) for this request? */
export type PermissionCheck = (principal: Principal, permission: string, request: Request, context: RouteCheckContext) => Promise<PermissionDecision>;

/** A named policy: a decision that is not a single permission. */
export type RoutePolicy = (principal: Principal, request: Request, context: RouteCheckContext) => Promise<PermissionDecision>;

export type RouteDenialReason =
  /** The check or policy said no. */
  | "forbidden"
  /** Rules exist and the path carries encodings a later hop could decode differently. */
  | "ambiguous_path"
  /** The check or policy threw; the request failed closed (503 or 500). */
  | "check_failed";

export interface RouteDenial {
  reason: RouteDenialReason;
  /** The check's reason (truncated), the error's name for `check_failed`, null for `ambiguous_path`. */
  detail: string | null;
  /** As matched: upper-case, HEAD reported as GET. */
  method: string;
  /** `url.pathname` as received (percent-encoded ASCII), at most 512 characters. Never the query string. */
  path: string;
  rule: { index: number; method: string; path: string; permission: string | null; policy: string | null } | null;
  principal: Principal;
  /** The session's store id (a hash, not the token); log at most a short prefix of it. Null for an API key. */
  sessionId: string | null;
  request: Request;
}

/**
 * Called once per denial, before the response goes out. When it throws or rejects, the request
 * is still denied, but with 503 `audit_unavailable` so the gap in the trail is visible (the
 * same rule sign-out follows).
 */
export type RouteAudit = (denial: RouteDenial) => void | Promise<void>;

export interface RouteAuthorizationOptions {
  /** In any order: the most specific match wins (see `route-rules.ts`). */
  rules: readonly RouteRule[];
  check: PermissionCheck;
  /** Named policies beside the built-in `authenticated` (any signed-in principal) and `deny` (nobody). */
  policies?: Readonly<Record<string, RoutePolicy>>;
  audit?: RouteAudit;
  /** See `RouteRuleOptions.caseSensitive`. Default false. */
  caseSensitive?: boolean;
  /** How the origin reads segments ending in dots or spaces; see `OriginPathStyle`. Default "strict" (refused). */
  pathStyle?: OriginPathStyle;
}

export type RouteVerdict = { allowed: true } | { allowed: false; response: Response };

export interface RouteAuthorization {
  readonly matcher: RouteRuleMatcher;
  /** Decides a matched request for an authenticated principal; `none` is always allowed. */
  authorize(request: Request, match: RouteMatch, identity: RouteIdentity): Promise<RouteVerdict>;
}

/** Who is asking: the read path's result for this request. */
export interface RouteIdentity {
  principal: Principal;
  /** Null when the principal is an API key. */
  session: SessionRecord | null;
}

const BUILT_IN_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  authenticated: async () => ({ allowed: true, reason: "authenticated" }),
  deny: async () => ({ allowed: false, reason: "deny_policy" }),
};

const ALLOWED: RouteVerdict = Object.freeze({ allowed: true });
const MAX_PATH = 512;
const MAX_REASON = 200;

/** Compiles the rules once (start-up); throws `ConfigurationError` for anything malformed. */
export function routeAuthorization(options: RouteAuthorizationOptions): RouteAuthorization {
  const custom = options.policies ?? {};
  for (const [name, policy] of Object.entries(custom)) {
    if (Object.hasOwn(BUILT_IN_POLICIES, name)) throw new ConfigurationError(`policy ${JSON.stringify(name)} is built in and cannot be redefined`);
    if (typeof policy !== "function") throw new ConfigurationError(`policy ${JSON.stringify(name)} must be a function`);
  }
  const policies = new Map<string, RoutePolicy>([...Object.entries(BUILT_IN_POLICIES), ...Object.entries(custom)]);
  const matcher = compileRouteRules(options.rules, {
    caseSensitive: options.caseSensitive === true,
    ...(options.pathStyle === undefined ? {} : { pathStyle: options.pathStyle }),
    isKnownPolicy: (name) => policies.has(name),
  });
  const { check, audit } = options;
  if (typeof check !== "function") throw new ConfigurationError("route rules need a check function");
  if (audit !== undefined && typeof audit !== "function") throw new ConfigurationError("audit must be a function");

  return {
    matcher,
    async authorize(request, match, identity): Promise<RouteVerdict> {
      if (match.kind === "none") return ALLOWED;
      if (match.kind === "ambiguous") {
        return deny({ reason: "ambiguous_path", detail: null, rule: null }, request, identity, forbidden("the request path has an ambiguous encoding (%2F, %5C, %25, %3B, ..; or a control character) and cannot be authorized"));
      }
      const { rule, params } = match;
      const context: RouteCheckContext = { rule, params, session: identity.session };
      let decision: PermissionDecision;
      try {
        const { requirement } = rule;
        decision =
          requirement.kind === "permission"
            ? await check(identity.principal, requirement.permission, request, context)
            : await policies.get(requirement.policy)!(identity.principal, request, context);
      } catch (error) {
        const name = error instanceof Error ? error.name : typeof error;
        return deny({ reason: "check_failed", detail: name, rule }, request, identity, failClosedResponse(error));
      }
      if (decision?.allowed === true) return ALLOWED;
      const reason = typeof decision?.reason === "string" ? decision.reason.slice(0, MAX_REASON) : "";
      return deny({ reason: "forbidden", detail: reason, rule }, request, identity, forbidden("you do not have permission for this resource"));
    },
  };

  async function deny(
    what: { reason: RouteDenialReason; detail: string | null; rule: CompiledRouteRule | null },
    request: Request,
    identity: RouteIdentity,
    response: Response,
  ): Promise<RouteVerdict> {
    if (audit !== undefined) {
      const { rule } = what;
      const denial: RouteDenial = {
        reason: what.reason,
        detail: what.detail,
        method: matchedMethod(request.method),
        path: new URL(request.url).pathname.slice(0, MAX_PATH),
        rule:
          rule === null
            ? null
            : {
                index: rule.index,
                method: rule.methods === "*" ? "*" : rule.methods.join(","),
                path: rule.path,
                permission: rule.requirement.kind === "permission" ? rule.requirement.permission : null,
                policy: rule.requirement.kind === "policy" ? rule.requirement.policy : null,
              },
        principal: identity.principal,
        sessionId: identity.session?.id ?? null,
        request,
      };
      try {
        await audit(denial);
      } catch (cause) {
        return { allowed: false, response: errorResponse(new AuditError("audit sink refused the route denial", { cause })) };
      }
    }
    return { allowed: false, response };
  }
}

function forbidden(message: string): Response {
  return errorResponse(new AuthError("forbidden", message));
}
