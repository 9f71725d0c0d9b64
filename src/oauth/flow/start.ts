import type { RequestContext } from "../../core/context.js";
import { toBase64Url, sha256Base64Url } from "../../core/encoding.js";
import type { PluginRoute } from "../../core/plugins.js";
import type { OAuthProvider } from "../../ports/oauth-provider.js";
import { safeReturnPath } from "../../core/http/return-path.js";
import { setBinding } from "./binding-cookie.js";
import type { OAuthDeps } from "./deps.js";
import { failureResponse, oauthFailed } from "./failure.js";
import { createPkce } from "./pkce.js";
import { encodeState, stateKey, type FlowState } from "./state.js";

export interface FlowStart {
  /** The provider's authorization URL to send the browser to. */
  url: URL;
  /** Set-Cookie for the browser binding. */
  cookie: string;
}

/**
 * Creates one flow: state, PKCE verifier, nonce (OIDC) and browser-binding secret, all fresh
 * random values; stores the record (under a hash of the state) for the callback to consume.
 */
export async function beginFlow(
  deps: OAuthDeps,
  provider: OAuthProvider,
  ctx: RequestContext,
  flow: { intent: FlowState["intent"]; userId: string | null; returnTo: string },
): Promise<FlowStart> {
  const state = toBase64Url(ctx.random.bytes(32));
  const secret = toBase64Url(ctx.random.bytes(32));
  const nonce = provider.kind === "oidc" ? toBase64Url(ctx.random.bytes(32)) : null;
  const pkce = await createPkce(ctx.random);
  const redirectUri = deps.redirectUri(provider.id);
  const url = await provider.authorizationUrl({ state, codeChallenge: pkce.challenge, nonce, redirectUri });
  assertAuthorizationUrl(url, { state, challenge: pkce.challenge, nonce, redirectUri });
  const record: FlowState = {
    provider: provider.id,
    verifier: pkce.verifier,
    nonce,
    binding: await sha256Base64Url(secret),
    returnTo: flow.returnTo,
    intent: flow.intent,
    userId: flow.userId,
    createdAt: ctx.clock.now().getTime(),
  };
  const ttl = deps.config.stateTtlSeconds;
  await deps.ports.singleUse.put(await stateKey(state), encodeState(record), ttl);
  return { url, cookie: setBinding(deps.binding, secret, ttl) };
}

/** `GET /oauth/<id>/start?return=/path`: a browser navigation that ends at the provider. */
export function startRoute(deps: OAuthDeps, provider: OAuthProvider): PluginRoute {
  return {
    method: "GET",
    path: `/oauth/${provider.id}/start`,
    async handle(ctx) {
      try {
        const returnTo = safeReturnPath(ctx.url.searchParams.get("return"), deps.origin);
        const start = await beginFlow(deps, provider, ctx, { intent: "sign_in", userId: null, returnTo });
        return new Response(null, {
          status: 303,
          headers: {
            location: start.url.href,
            "set-cookie": start.cookie,
            "cache-control": "no-store",
            "referrer-policy": "no-referrer",
          },
        });
      } catch (error) {
        return failureResponse(error, deps.config.errorRedirect, {});
      }
    },
  };
}

/**
 * A provider that drops state, PKCE or nonce from its URL, or points the provider at another
 * redirect URI, would make the callback checks meaningless: refuse to send anyone there.
 */
function assertAuthorizationUrl(url: URL, expected: { state: string; challenge: string; nonce: string | null; redirectUri: string }): void {
  const query = url.searchParams;
  const loopback = url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
  const ok =
    (url.protocol === "https:" || (url.protocol === "http:" && loopback)) &&
    query.getAll("state").length === 1 &&
    query.get("state") === expected.state &&
    query.get("code_challenge") === expected.challenge &&
    query.get("code_challenge_method") === "S256" &&
    query.get("redirect_uri") === expected.redirectUri &&
    (expected.nonce === null || query.get("nonce") === expected.nonce);
  if (!ok) throw oauthFailed("provider_misconfigured", "the provider's authorization URL is not acceptable");
}
