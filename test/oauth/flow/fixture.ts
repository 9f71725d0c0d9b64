/**
 * The OAuth flow over memory stores, a frozen clock and fake providers that behave like real
 * ones where it matters: codes are single-use and bound to the PKCE challenge, the redirect URI
 * and the nonce they were issued for. Runs in Node and in workerd.
 */
import { memoryStores, type MemoryStores } from "../../../src/adapters/memory/index.js";
import { createAuth, type Auth } from "../../../src/create-auth.js";
import { fixedClock } from "../../../src/core/context.js";
import { sha256Base64Url } from "../../../src/core/encoding.js";
import { AuthError } from "../../../src/core/errors.js";
import type { Plugin } from "../../../src/core/plugins.js";
import { oauth, type OAuthOptions } from "../../../src/oauth/index.js";
import type { AuthorizationUrlInput, CallbackInput, OAuthProfile, OAuthProvider } from "../../../src/ports/oauth-provider.js";
import { fastHasher, ORIGIN, request, START, type CallOptions } from "../../helpers/harness.js";
import { emailPassword } from "../../../src/credentials/password/index.js";

export { ORIGIN };

/** Never allowed in any response body or audit event. */
export const CLIENT_SECRET = "cs_super_secret_value_0123456789";

export interface FakeProvider extends OAuthProvider {
  readonly authorizeCalls: AuthorizationUrlInput[];
  readonly exchangeCalls: CallbackInput[];
  /** The IdP's consent screen: remembers the code's binding and returns the callback URL. */
  approve(authorizationUrl: string, profile: OAuthProfile, options?: { iss?: string }): string;
  /** What the IdP sends when the person declines. */
  deny(authorizationUrl: string): string;
  /** Make the next exchanges throw this. */
  failWith: unknown;
}

interface Grant {
  profile: OAuthProfile;
  challenge: string;
  redirectUri: string;
  nonce: string | null;
}

export function fakeProvider(id: string, kind: "oidc" | "oauth2" = "oidc", options: { mangleUrl?: (url: URL) => void } = {}): FakeProvider {
  const grants = new Map<string, Grant>();
  let counter = 0;
  const provider: FakeProvider = {
    id,
    kind,
    authorizeCalls: [],
    exchangeCalls: [],
    failWith: null,
    async authorizationUrl(input) {
      provider.authorizeCalls.push(input);
      const url = new URL(`https://${id}.idp.test/authorize`);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("client_id", `client-${id}`);
      url.searchParams.set("redirect_uri", input.redirectUri);
      url.searchParams.set("state", input.state);
      url.searchParams.set("code_challenge", input.codeChallenge);
      url.searchParams.set("code_challenge_method", "S256");
      if (input.nonce !== null) url.searchParams.set("nonce", input.nonce);
      options.mangleUrl?.(url);
      return url;
    },
    async exchange(input) {
      provider.exchangeCalls.push(input);
      if (provider.failWith !== null) throw provider.failWith;
      const grant = grants.get(input.code);
      grants.delete(input.code);
      if (grant === undefined) throw new AuthError("oauth_failed", "invalid_grant", { detail: { reason: "token_exchange_failed" } });
      // The checks a real token endpoint and id_token validation make.
      if ((await sha256Base64Url(input.codeVerifier)) !== grant.challenge) throw new AuthError("oauth_failed", "pkce", { detail: { reason: "token_exchange_failed" } });
      if (input.redirectUri !== grant.redirectUri) throw new AuthError("oauth_failed", "redirect", { detail: { reason: "token_exchange_failed" } });
      if (input.nonce !== grant.nonce) throw new AuthError("oauth_failed", "nonce", { detail: { reason: "nonce_mismatch" } });
      return { ...grant.profile };
    },
    approve(authorizationUrl, profile, approveOptions = {}) {
      const url = new URL(authorizationUrl);
      const code = `code-${id}-${++counter}`;
      const redirectUri = url.searchParams.get("redirect_uri")!;
      grants.set(code, { profile, challenge: url.searchParams.get("code_challenge")!, redirectUri, nonce: url.searchParams.get("nonce") });
      const callback = new URL(redirectUri);
      callback.searchParams.set("code", code);
      callback.searchParams.set("state", url.searchParams.get("state")!);
      if (approveOptions.iss !== undefined) callback.searchParams.set("iss", approveOptions.iss);
      return callback.href;
    },
    deny(authorizationUrl) {
      const url = new URL(authorizationUrl);
      const callback = new URL(url.searchParams.get("redirect_uri")!);
      callback.searchParams.set("error", "access_denied");
      callback.searchParams.set("state", url.searchParams.get("state")!);
      return callback.href;
    },
  };
  return provider;
}

export function profile(subject: string, email: string | null, emailVerified = true, name: string | null = "Ada"): OAuthProfile {
  return { subject, email, emailVerified, name };
}

export type Fixture = ReturnType<typeof makeFixture>;

export function makeFixture(
  options: {
    providers?: FakeProvider[];
    oauth?: Partial<OAuthOptions>;
    stores?: Partial<MemoryStores>;
    settings?: Parameters<typeof createAuth>[0]["settings"];
    plugins?: Plugin[];
  } = {},
) {
  const clock = fixedClock(START);
  const base = memoryStores({ clock });
  const stores = { ...base, ...options.stores } as MemoryStores;
  const google = fakeProvider("google", "oidc");
  const github = fakeProvider("github", "oauth2");
  const providers = options.providers ?? [google, github];
  const plugin = oauth({ providers, ...options.oauth });
  const auth: Auth = createAuth({ stores, clock, plugins: [emailPassword({ hasher: fastHasher() }), plugin, ...(options.plugins ?? [])], settings: { publicOrigin: ORIGIN, ...options.settings } });
  return { auth, stores, audit: base.audit, clock, google, github, providers };
}

/** Sends a request to an absolute or relative URL on the app. */
export function call(auth: Auth, url: string, options: CallOptions = {}): Promise<Response> {
  const parsed = new URL(url, ORIGIN);
  return auth.handle(request(parsed.pathname + parsed.search, options));
}

/** `name=value` of the cookie called `name` among the response's Set-Cookie headers, or null. */
export function setCookie(response: Response, name: string): string | null {
  for (const header of response.headers.getSetCookie()) {
    if (header.startsWith(`${name}=`)) return header;
  }
  return null;
}

export function cookiePair(header: string | null): string {
  if (header === null) throw new Error("no such cookie");
  return header.split(";")[0]!;
}

export const BINDING = "__Host-portcullis-oauth";
export const SESSION = "__Host-portcullis";

export interface Started {
  response: Response;
  location: string;
  /** `__Host-portcullis-oauth=...` */
  binding: string;
  state: string;
}

export async function start(auth: Auth, providerId: string, returnTo?: string, cookie?: string): Promise<Started> {
  const query = returnTo === undefined ? "" : `?return=${encodeURIComponent(returnTo)}`;
  const response = await call(auth, `/auth/oauth/${providerId}/start${query}`, { cookie: cookie ?? null });
  if (response.status !== 303) throw new Error(`start failed: ${response.status} ${await response.text()}`);
  const location = response.headers.get("location")!;
  return { response, location, binding: cookiePair(setCookie(response, BINDING)), state: new URL(location).searchParams.get("state")! };
}

/** The whole dance: start, consent at the fake IdP, callback in the same browser. */
export async function signInWith(
  fixture: Fixture,
  provider: FakeProvider,
  who: OAuthProfile,
  options: { returnTo?: string; cookie?: string } = {},
): Promise<{ response: Response; started: Started }> {
  const started = await start(fixture.auth, provider.id, options.returnTo);
  const callback = provider.approve(started.location, who);
  const cookie = [started.binding, options.cookie].filter((part) => part !== undefined).join("; ");
  return { response: await call(fixture.auth, callback, { cookie }), started };
}

/** Signs in and returns the session cookie (`__Host-portcullis=...`). */
export async function sessionFor(fixture: Fixture, provider: FakeProvider, who: OAuthProfile): Promise<string> {
  const { response } = await signInWith(fixture, provider, who);
  if (response.status !== 303) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  return cookiePair(setCookie(response, SESSION));
}

/** A password account through the real sign-up route; returns its session cookie and id. */
export async function passwordUser(auth: Auth, email: string, verified: boolean, stores: MemoryStores): Promise<{ cookie: string; id: string }> {
  const response = await auth.handle(request("/auth/sign-up", { body: { email, password: "correct horse battery", name: "Local" } }));
  if (response.status !== 201) throw new Error(`sign-up failed: ${response.status}`);
  const id = ((await response.json()) as { user: { id: string } }).user.id;
  if (verified) await stores.users.update(id, { emailVerified: true, updatedAt: new Date(START) });
  return { cookie: cookiePair(setCookie(response, SESSION)), id };
}

export async function errorOf(response: Response): Promise<{ code: string; reason?: string }> {
  const body = (await response.json()) as { error: { code: string; reason?: string } };
  return body.error;
}
