import { requestEnvironment } from "../authz/http.js";
import { subjectFrom } from "../authz/subject.js";
import type { RequestContext } from "../core/context.js";
import { AuthError } from "../core/errors.js";
import type { AuthzEnvironment, AuthzSubject } from "../ports/authorization.js";
import type { Principal } from "../ports/principal.js";
import type { AdminDeps } from "./context.js";

/** Who is calling an admin route, as the read path established it. */
export interface Actor {
  principal: Principal;
  subject: AuthzSubject;
  /** The acting user or service: the principal's id, or the key's owner for an API key. */
  userId: string;
  /** The tenant the caller acts in: its session's, or its key's. */
  tenantId: string | null;
  /** Set for a session caller (audit keeps only a short reference). */
  sessionId: string | null;
  /** Set for an API-key caller. */
  apiKeyId: string | null;
  environment: AuthzEnvironment;
}

/**
 * The actor comes from the session cookie / bearer token or the API key, through the
 * host's read path, and from nowhere else: no body field, query parameter or header
 * can name it. No valid credential: 401 `unauthenticated`.
 */
export async function requireActor(deps: AdminDeps, ctx: RequestContext): Promise<Actor> {
  const result = await deps.host.authenticate(ctx);
  if (!result.authenticated) throw new AuthError("unauthenticated", "sign in first");
  const principal = result.principal;
  const environment = requestEnvironment(ctx.request, result, { ipHeader: deps.ipHeader });
  const base = { principal, subject: subjectFrom(principal), tenantId: principal.tenantId, environment };
  if (principal.type === "api_key") return { ...base, userId: principal.ownerId, sessionId: null, apiKeyId: principal.id };
  return { ...base, userId: principal.id, sessionId: result.session?.id ?? null, apiKeyId: null };
}
