import type { RequestContext } from "../../core/context.js";
import { sha256Base64Url, timingSafeEqual, utf8 } from "../../core/encoding.js";
import { AuthError } from "../../core/errors.js";
import type { PluginRoute } from "../../core/plugins.js";
import type { OAuthProfile, OAuthProvider } from "../../ports/oauth-provider.js";
import { clearBinding, readBinding } from "./binding-cookie.js";
import type { OAuthDeps } from "./deps.js";
import { failureReason, failureResponse, oauthFailed } from "./failure.js";
import { linkToUser, resolveSignIn } from "./resolve-account.js";
import { requireSession } from "./session.js";
import { decodeState, isExpired, STATE_FORMAT, stateKey, type FlowState } from "./state.js";

interface CallbackParams {
  state: string | null;
  code: string | null;
  error: string | null;
  iss: string | null;
}

/** Safe to write to the audit trail: RFC 6749 error codes and our own reasons are short snake_case words. */
const TOKEN = /^[a-z0-9_]{1,64}$/;

/**
 * `GET /oauth/<id>/callback?code&state&iss` (or `?error&state`). The state is consumed first, so
 * each one completes at most once (replayed codes, concurrent callbacks); then the flow must have
 * started here, for this provider, in this browser, recently; only then is the code exchanged.
 */
export function callbackRoute(deps: OAuthDeps, provider: OAuthProvider): PluginRoute {
  return {
    method: "GET",
    path: `/oauth/${provider.id}/callback`,
    async handle(ctx) {
      const headers = { "set-cookie": clearBinding(deps.binding), "referrer-policy": "no-referrer" };
      let flow: FlowState | null = null;
      // Once the pipeline runs it writes its own audit event for every outcome.
      let pipelineRan = false;
      let providerError: string | null = null;
      try {
        const params = readParams(ctx.url);
        flow = await takeFlow(deps, provider, params, ctx);
        if (params.error !== null) {
          providerError = params.error;
          throw oauthFailed("provider_error", "the provider did not grant access");
        }
        if (params.code === null || params.code === "") throw oauthFailed("missing_code");
        // A link completes only for the person who asked for it, in the same browser session.
        if (flow.intent === "link") {
          const session = await requireSession(deps.host, ctx);
          if (session.principal.id !== flow.userId) throw oauthFailed("session_mismatch");
        }
        const profile = await exchange(provider, flow, params, deps);

        let response: Response;
        if (flow.intent === "link") {
          await linkToUser(deps, provider.id, profile, flow.userId!, ctx);
          response = new Response(null, { status: 303, headers: { location: flow.returnTo, "cache-control": "no-store" } });
        } else {
          const account = await resolveSignIn(deps, provider.id, profile, ctx);
          pipelineRan = true;
          response = await deps.host.signIn(
            {
              action: "sign_in",
              method: `oauth:${provider.id}`,
              verify: async () => ({ ok: true, user: account.user, amr: ["fed"] }),
              // A brand-new account that gets no session (risk, audit or store failure) is removed again.
              ...(account.created ? { undo: (user) => deps.ports.users.delete(user.id) } : {}),
            },
            ctx,
            { transport: "cookie", redirectTo: flow.returnTo },
          );
        }
        for (const [name, value] of Object.entries(headers)) response.headers.append(name, value);
        return response;
      } catch (error) {
        let answer: unknown = error;
        if (!pipelineRan) {
          try {
            await auditFailure(deps, provider, flow, error, providerError, ctx);
          } catch (auditError) {
            // Fail closed: a failure that cannot be recorded is answered as the audit outage,
            // except a store outage, whose 503 already says "try again".
            if (!isStorage(error)) answer = auditError;
          }
        }
        return failureResponse(answer, deps.config.errorRedirect, headers);
      }
    },
  };
}

/** Each parameter at most once: a repeated `state` or `code` is a pollution attempt, not a callback. */
function readParams(url: URL): CallbackParams {
  const one = (name: string): string | null => {
    const values = url.searchParams.getAll(name);
    if (values.length > 1) throw oauthFailed("invalid_callback");
    return values[0] ?? null;
  };
  return { state: one("state"), code: one("code"), error: one("error"), iss: one("iss") };
}

async function takeFlow(deps: OAuthDeps, provider: OAuthProvider, params: CallbackParams, ctx: RequestContext): Promise<FlowState> {
  if (params.state === null || params.state === "") throw oauthFailed("missing_state");
  if (!STATE_FORMAT.test(params.state)) throw oauthFailed("unknown_state");
  // Consumed before any other check: whatever happens next, this state is spent.
  const stored = await deps.ports.singleUse.consume(await stateKey(params.state));
  if (stored === null) throw oauthFailed("unknown_state");
  const flow = decodeState(stored);
  if (flow === null) throw oauthFailed("invalid_state");
  // Mix-up defence (RFC 9700 4.4): the answer must come back to the provider the flow went to.
  if (flow.provider !== provider.id) throw oauthFailed("provider_mismatch");
  if (isExpired(flow, ctx.clock.now(), deps.config.stateTtlSeconds)) throw oauthFailed("expired_state");
  const secret = readBinding(ctx.request, deps.binding);
  if (secret === null) throw oauthFailed("missing_binding");
  if (!timingSafeEqual(utf8(await sha256Base64Url(secret)), utf8(flow.binding))) throw oauthFailed("binding_mismatch");
  return flow;
}

/**
 * The provider's own failures never reach the client as they are: their messages may name
 * endpoints, client ids or worse. A store outage stays a 503.
 */
async function exchange(provider: OAuthProvider, flow: FlowState, params: CallbackParams, deps: OAuthDeps): Promise<OAuthProfile> {
  try {
    return await provider.exchange({
      code: params.code!,
      codeVerifier: flow.verifier,
      nonce: flow.nonce,
      redirectUri: deps.redirectUri(provider.id),
      issuer: params.iss,
    });
  } catch (error) {
    if (isStorage(error)) throw error;
    const reason = error instanceof AuthError ? error.detail?.reason : undefined;
    throw new AuthError("oauth_failed", "sign-in with the provider failed", {
      cause: error,
      detail: { reason: "exchange_failed", ...(typeof reason === "string" && TOKEN.test(reason) ? { providerReason: reason } : {}) },
    });
  }
}

async function auditFailure(
  deps: OAuthDeps,
  provider: OAuthProvider,
  flow: FlowState | null,
  error: unknown,
  providerError: string | null,
  ctx: RequestContext,
): Promise<void> {
  const detail: Record<string, string> = { provider: provider.id };
  if (flow !== null) detail.intent = flow.intent;
  if (providerError !== null) detail.providerError = TOKEN.test(providerError) ? providerError : "other";
  const providerReason = error instanceof AuthError ? error.detail?.providerReason : undefined;
  if (typeof providerReason === "string") detail.providerReason = providerReason;
  await deps.host.audit({ type: "oauth_callback", outcome: "failure", reason: failureReason(error), userId: flow?.userId ?? null, detail }, ctx);
}

function isStorage(error: unknown): boolean {
  return error instanceof AuthError && error.code === "storage_unavailable";
}
