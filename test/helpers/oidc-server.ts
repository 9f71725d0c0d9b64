/**
 * A REAL OpenID Provider for tests: panva's `oidc-provider` (an OpenID-certified Node
 * implementation, exact-pinned devDependency) on 127.0.0.1 and a free port. It stands in for
 * Google, or any issuer, through discovery: point `oidcProvider` / `googleProvider({ issuer })`
 * at `server.issuer`. Node only (it is a Koa server).
 *
 * API
 *   const op = await startOidcServer({
 *     clients: [{ clientId: "app", clientSecret: "s3cret", redirectUris: ["http://127.0.0.1:8787/auth/oauth/google/callback"],
 *                 tokenAuth: "client_secret_basic" }],        // or "client_secret_post"; basic by default
 *     accounts: [{ sub: "alice", email: "alice@example.com", email_verified: true, name: "Alice" }],
 *     signingAlg: "RS256",                                   // or "PS256" | "ES256" | "EdDSA"; RS256 by default
 *   });
 *   op.issuer            "http://127.0.0.1:PORT" (discovery: op.issuer + "/.well-known/openid-configuration")
 *   op.accounts          Map sub -> account, live: edit it between logins (e.g. flip email_verified)
 *   op.currentKid        the kid new id_tokens are signed with; op.publishedKids: the JWKS's kids
 *   await op.rotateKeys({ keepPrevious: true })   a new signing key (returned kid) takes over at once;
 *                        keepPrevious: false also drops the old one from the JWKS
 *   op.requestCount("/jwks")   requests served per path (e.g. to see a JWKS refetch); also "/token",
 *                        "/.well-known/openid-configuration"
 *   await op.close()
 *
 *   const back = await completeLogin(authorizationUrl, { accountId: "alice" });   // decision: "deny" cancels at the first page
 *   back.url / back.code / back.state / back.iss / back.error / back.errorDescription
 *   Drives login + consent over plain HTTP (fetch, manual redirects, a cookie jar) and returns the
 *   redirect to the client's redirect_uri; it does not follow it. Throws when the provider shows
 *   an error page instead (e.g. an unregistered redirect_uri).
 *
 * What the provider enforces: PKCE S256 for every client (`pkce.required`), exact redirect URIs,
 * one-time codes, its registered token endpoint auth method per client, RFC 9207 `iss` in every
 * authorization response (oidc-provider 9 always sends it and advertises
 * `authorization_response_iss_parameter_supported: true`). id_tokens carry `email`,
 * `email_verified` and `name` for the email / profile scopes, as Google's do
 * (`conformIdTokenClaims: false`).
 *
 * Interaction pages, plain HTML forms without JavaScript or external resources, so a browser
 * (playwright + chromium) can click through them too:
 *   login   <form id="login-form" method="post" action="/interaction/UID/login">
 *             <input id="login" name="login">  (an account's sub)   <button id="submit" type="submit">Sign in</button>
 *           <form id="deny-form" method="post" action="/interaction/UID/abort">     <button id="deny" type="submit">Cancel</button>
 *   consent <form id="consent-form" method="post" action="/interaction/UID/confirm"> <button id="continue" type="submit">Continue</button>
 *           <form id="deny-form" method="post" action="/interaction/UID/abort">     <button id="deny" type="submit">Deny</button>
 *   error   <p id="error">invalid_client</p> <p id="error-description">...</p>  (status 400; e.g. an unregistered redirect_uri)
 * A browser that already signed in (same cookie jar) skips login, and consent once granted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
// oidc-provider ships no TypeScript types; the few members used here are described below.
import OidcProviderClass from "oidc-provider";

export interface OidcTestClient {
  clientId: string;
  clientSecret: string;
  /** Compared exactly by the provider. */
  redirectUris: string[];
  tokenAuth?: "client_secret_basic" | "client_secret_post";
}

export interface OidcTestAccount {
  sub: string;
  email?: string | null;
  email_verified?: boolean;
  name?: string | null;
}

export type OidcTestSigningAlg = "RS256" | "PS256" | "ES256" | "EdDSA";

export interface OidcTestServerOptions {
  clients: OidcTestClient[];
  accounts: OidcTestAccount[];
  signingAlg?: OidcTestSigningAlg;
}

export interface OidcTestServer {
  readonly issuer: string;
  readonly accounts: Map<string, OidcTestAccount>;
  readonly currentKid: string;
  readonly publishedKids: string[];
  rotateKeys(options?: { keepPrevious?: boolean }): Promise<string>;
  requestCount(pathname: string): number;
  close(): Promise<void>;
}

export interface CompletedLogin {
  /** The redirect to the client's redirect_uri, as the provider sent it. */
  url: URL;
  code: string | null;
  state: string | null;
  /** RFC 9207 issuer identifier. */
  iss: string | null;
  error: string | null;
  errorDescription: string | null;
}

interface InteractionDetails {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId?: string };
  grantId?: string;
}

interface GrantInstance {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}

interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: { new (init: { accountId: string; clientId: string }): GrantInstance; find(id: string): Promise<GrantInstance | undefined> };
  on(event: string, listener: (...args: unknown[]) => void): void;
}

const Provider = OidcProviderClass as unknown as new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

let keyCounter = 0;

async function signingKey(alg: OidcTestSigningAlg): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
  const jwk = await exportJWK(privateKey);
  keyCounter += 1;
  return { ...jwk, kid: `test-key-${keyCounter}`, alg, use: "sig" };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - Test OpenID Provider</title></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

function loginPage(uid: string, clientId: string, error: string | null): string {
  return page(
    "Sign in",
    `<p>Signing in to <code>${escapeHtml(clientId)}</code>.</p>
${error === null ? "" : `<p id="error" role="alert">${escapeHtml(error)}</p>`}
<form id="login-form" method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label for="login">Account</label>
  <input id="login" name="login" type="text" autocomplete="off" required autofocus>
  <button id="submit" type="submit">Sign in</button>
</form>
<form id="deny-form" method="post" action="/interaction/${escapeHtml(uid)}/abort">
  <button id="deny" type="submit">Cancel</button>
</form>`,
  );
}

function consentPage(uid: string, clientId: string, scopes: string[]): string {
  return page(
    "Authorize",
    `<p><code>${escapeHtml(clientId)}</code> asks for: ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(", ") || "nothing new"}.</p>
<form id="consent-form" method="post" action="/interaction/${escapeHtml(uid)}/confirm">
  <button id="continue" type="submit">Continue</button>
</form>
<form id="deny-form" method="post" action="/interaction/${escapeHtml(uid)}/abort">
  <button id="deny" type="submit">Deny</button>
</form>`,
  );
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(html);
}

export async function startOidcServer(options: OidcTestServerOptions): Promise<OidcTestServer> {
  const signingAlg = options.signingAlg ?? "RS256";
  const accounts = new Map(options.accounts.map((account) => [account.sub, { ...account }]));
  const counts = new Map<string, number>();
  // Same cookie keys for every Provider instance, so a rotation does not end interactions or sessions;
  // oidc-provider's memory adapter keeps codes, sessions and grants at module level, shared too.
  const cookieKeys = [crypto.randomUUID()];
  let keys: JWK[] = [await signingKey(signingAlg)];
  let current: { provider: ProviderInstance; handle: (req: IncomingMessage, res: ServerResponse) => void } | null = null;

  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    counts.set(pathname, (counts.get(pathname) ?? 0) + 1);
    if (current === null) {
      res.writeHead(503).end();
      return;
    }
    const { provider, handle } = current;
    const match = /^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/.exec(pathname);
    if (match === null) {
      handle(req, res);
      return;
    }
    interaction(provider, req, res, match[1]!, match[2] ?? null).catch((error: unknown) => {
      if (!res.headersSent) sendHtml(res, 400, page("Error", `<p>${escapeHtml(String((error as Error).message ?? error))}</p>`));
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function interaction(provider: ProviderInstance, req: IncomingMessage, res: ServerResponse, uid: string, action: string | null): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error("interaction mismatch");
    const clientId = String(details.params.client_id ?? "");
    if (action === null) {
      if (req.method !== "GET") return sendHtml(res, 405, page("Error", "<p>method not allowed</p>"));
      if (details.prompt.name === "login") return sendHtml(res, 200, loginPage(uid, clientId, null));
      if (details.prompt.name === "consent") {
        const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
        return sendHtml(res, 200, consentPage(uid, clientId, missing));
      }
      return sendHtml(res, 501, page("Error", `<p>prompt ${escapeHtml(details.prompt.name)} is not implemented</p>`));
    }
    if (req.method !== "POST") return sendHtml(res, 405, page("Error", "<p>method not allowed</p>"));
    const form = await readForm(req);
    if (action === "abort") {
      return provider.interactionFinished(req, res, { error: "access_denied", error_description: "End-User aborted interaction" }, { mergeWithLastSubmission: false });
    }
    if (action === "login") {
      if (details.prompt.name !== "login") throw new Error("not at the login prompt");
      const accountId = form.get("login") ?? "";
      if (!accounts.has(accountId)) return sendHtml(res, 400, loginPage(uid, clientId, "unknown account"));
      return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    }
    // confirm: grant what the consent prompt says is missing (as oidc-provider's devInteractions do).
    if (details.prompt.name !== "consent") throw new Error("not at the consent prompt");
    const grant = details.grantId !== undefined ? await provider.Grant.find(details.grantId) : undefined;
    const granted = grant ?? new provider.Grant({ accountId: String(details.session?.accountId), clientId });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missingOIDCScope !== undefined) granted.addOIDCScope(missingOIDCScope.join(" "));
    if (missingOIDCClaims !== undefined) granted.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) granted.addResourceScope(indicator, scopes.join(" "));
    const grantId = await granted.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  function build(): void {
    const provider = new Provider(issuer, {
      clients: options.clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        response_types: ["code"],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: client.tokenAuth ?? "client_secret_basic",
        id_token_signed_response_alg: signingAlg,
      })),
      jwks: { keys },
      cookies: { keys: cookieKeys },
      pkce: { required: (): boolean => true },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }): string => `/interaction/${interaction.uid}` },
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
      conformIdTokenClaims: false,
      async findAccount(_ctx: unknown, sub: string): Promise<{ accountId: string; claims: () => Promise<Record<string, unknown>> } | undefined> {
        if (!accounts.has(sub)) return undefined;
        return {
          accountId: sub,
          async claims(): Promise<Record<string, unknown>> {
            const account = accounts.get(sub);
            if (account === undefined) return { sub };
            const claims: Record<string, unknown> = { sub };
            if (account.email !== undefined && account.email !== null) claims.email = account.email;
            if (account.email_verified !== undefined) claims.email_verified = account.email_verified;
            if (account.name !== undefined && account.name !== null) claims.name = account.name;
            return claims;
          },
        };
      },
      // A plain error page (the default one pulls web fonts and asks to be replaced).
      renderError(ctx: { type: string; body: string }, out: Record<string, unknown>): void {
        ctx.type = "html";
        ctx.body = page("Error", `<p id="error">${escapeHtml(String(out.error))}</p><p id="error-description">${escapeHtml(String(out.error_description ?? ""))}</p>`);
      },
      ttl: { AuthorizationCode: 120, IdToken: 600, AccessToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    });
    current = { provider, handle: provider.callback() };
  }
  build();

  return {
    issuer,
    accounts,
    get currentKid(): string {
      return keys[0]!.kid!;
    },
    get publishedKids(): string[] {
      return keys.map((key) => key.kid!);
    },
    async rotateKeys(rotation?: { keepPrevious?: boolean }): Promise<string> {
      const next = await signingKey(signingAlg);
      // oidc-provider signs with the first key of the algorithm; older ones stay published for tokens in flight.
      keys = rotation?.keepPrevious === false ? [next] : [next, ...keys];
      build();
      return next.kid!;
    },
    requestCount(pathname: string): number {
      return counts.get(pathname) ?? 0;
    },
    close(): Promise<void> {
      current = null;
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** A minimal cookie jar for one host: oidc-provider's interaction and session cookies. */
class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair!.indexOf("=");
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let path = "/";
      let expired = value === "";
      for (const attribute of attributes) {
        const [key, ...rest] = attribute.split("=");
        const lower = key!.trim().toLowerCase();
        const attributeValue = rest.join("=").trim();
        if (lower === "path") path = attributeValue || "/";
        if (lower === "max-age" && Number(attributeValue) <= 0) expired = true;
        if (lower === "expires" && Date.parse(attributeValue) <= Date.now()) expired = true;
      }
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }

  header(url: URL): string {
    return [...this.cookies]
      .filter(([, cookie]) => url.pathname === cookie.path || url.pathname.startsWith(cookie.path.endsWith("/") ? cookie.path : `${cookie.path}/`))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join("; ");
  }
}

function isRedirectTarget(location: URL, redirectUri: URL): boolean {
  return location.origin === redirectUri.origin && location.pathname === redirectUri.pathname;
}

function formAction(html: string, formId: string, base: URL): URL | null {
  const match = new RegExp(`<form id="${formId}"[^>]*action="([^"]+)"`).exec(html);
  return match === null ? null : new URL(match[1]!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))), base);
}

/**
 * Signs `accountId` in at the provider and consents (or denies), exactly as a user would through
 * the HTML forms, starting from the client's authorization URL. Returns the redirect back to
 * the client without following it.
 */
export async function completeLogin(authorizationUrl: URL | string, options: { accountId: string; decision?: "allow" | "deny" }): Promise<CompletedLogin> {
  const start = new URL(authorizationUrl);
  const redirectParam = start.searchParams.get("redirect_uri");
  if (redirectParam === null) throw new Error("completeLogin: the authorization URL has no redirect_uri");
  const redirectUri = new URL(redirectParam);
  const jar = new CookieJar();
  let next: { url: URL; body: URLSearchParams | null } = { url: start, body: null };

  for (let step = 0; step < 20; step++) {
    const headers: Record<string, string> = { cookie: jar.header(next.url), accept: "text/html" };
    if (next.body !== null) headers["content-type"] = "application/x-www-form-urlencoded";
    const response = await fetch(next.url, {
      method: next.body === null ? "GET" : "POST",
      headers,
      body: next.body === null ? undefined : next.body.toString(),
      redirect: "manual",
    });
    jar.store(response.headers.getSetCookie());
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      const target = new URL(location, next.url);
      if (isRedirectTarget(target, redirectUri)) {
        const params = target.searchParams;
        return {
          url: target,
          code: params.get("code"),
          state: params.get("state"),
          iss: params.get("iss"),
          error: params.get("error"),
          errorDescription: params.get("error_description"),
        };
      }
      next = { url: target, body: null };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) {
      const text = html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);
      throw new Error(`completeLogin: ${next.url.pathname} answered ${response.status}: ${text}`);
    }
    const deny = options.decision === "deny" ? formAction(html, "deny-form", next.url) : null;
    if (deny !== null) {
      next = { url: deny, body: new URLSearchParams() };
      continue;
    }
    const login = formAction(html, "login-form", next.url);
    if (login !== null) {
      next = { url: login, body: new URLSearchParams({ login: options.accountId }) };
      continue;
    }
    const consent = formAction(html, "consent-form", next.url);
    if (consent !== null) {
      next = { url: consent, body: new URLSearchParams() };
      continue;
    }
    throw new Error(`completeLogin: no form to submit at ${next.url.pathname}`);
  }
  throw new Error("completeLogin: too many steps");
}
