/**
 * A stand-in for GitHub's OAuth web flow and REST API. GitHub cannot be reached from here (tests
 * and CI have no network beyond package registries), so this local server implements the
 * documented behaviour instead, from GitHub's docs ("Authorizing OAuth apps", "REST API endpoints
 * for users", "REST API endpoints for emails"):
 *
 *   GET  /login/oauth/authorize?client_id&redirect_uri&scope&state&code_challenge&code_challenge_method
 *        -> 302 to redirect_uri?code&state, as if the signed-in user (`authorizeAs`) approved.
 *        code_challenge_method must be S256 when a challenge is sent; the challenge is remembered.
 *   POST /login/oauth/access_token   (form or JSON: client_id, client_secret, code, redirect_uri, code_verifier)
 *        -> {access_token, token_type: "bearer", scope} with `Accept: application/json`, else form-encoded.
 *        Errors are HTTP 200 with {error, error_description, error_uri}, as GitHub does:
 *        incorrect_client_credentials, redirect_uri_mismatch, bad_verification_code (unknown, used,
 *        expired code, or a code_verifier that does not match the challenge). Codes are one-time, 10 minutes.
 *   GET  {apiBase}/user          Bearer (or "token") -> {login, id, name, email, ...}; 401 {"message":"Bad credentials"}
 *   GET  {apiBase}/user/emails   -> [{email, primary, verified, visibility}]; 404 without the user:email scope
 *
 * API
 *   const gh = await startGithubServer({ clientId, clientSecret, redirectUris?: [...], users: [{ id, login, name?, emails: [...] }] });
 *   gh.webBase / gh.apiBase                   for githubProvider({ webBase, apiBase })
 *   gh.users                                  Map id -> user, live
 *   gh.authorizeAs(id)                        who approves the next authorizations (default: the first user)
 *   gh.revokeTokens()                         every issued access token now gets 401 from the API
 *   gh.respondOnce(path, { status, body, headers? })   the next request to path gets this raw answer
 *   gh.lastRequest(path)                      { method, headers, body } of the last request there
 *   gh.requestCount(path)
 *   await gh.close()
 * `apiBase` is `${webBase}/api/v3` (GitHub Enterprise's shape), so one server plays both hosts.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GithubTestEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  visibility?: "public" | "private" | null;
}

export interface GithubTestUser {
  id: number;
  login: string;
  name?: string | null;
  emails: GithubTestEmail[];
}

export interface GithubTestServerOptions {
  clientId: string;
  clientSecret: string;
  /** When given, redirect_uri must be one of these exactly. */
  redirectUris?: string[];
  users: GithubTestUser[];
}

export interface RecordedRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface GithubTestServer {
  readonly webBase: string;
  readonly apiBase: string;
  readonly users: Map<number, GithubTestUser>;
  authorizeAs(userId: number): void;
  revokeTokens(): void;
  respondOnce(path: string, answer: RawAnswer): void;
  lastRequest(path: string): RecordedRequest | undefined;
  requestCount(path: string): number;
  close(): Promise<void>;
}

interface PendingCode {
  userId: number;
  redirectUri: string;
  scope: string;
  challenge: string | null;
  expiresAt: number;
}

const API_PREFIX = "/api/v3";
const DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function token(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString("base64url")}`;
}

export async function startGithubServer(options: GithubTestServerOptions): Promise<GithubTestServer> {
  const users = new Map(options.users.map((user) => [user.id, user]));
  let approver = options.users[0]?.id ?? 0;
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, { userId: number; scope: string }>();
  const overrides = new Map<string, RawAnswer>();
  const lastRequests = new Map<string, RecordedRequest>();
  const counts = new Map<string, number>();

  function tokenError(res: ServerResponse, accept: string, error: string, description: string): void {
    // GitHub reports token errors with HTTP 200.
    if (accept.includes("application/json")) return json(res, 200, { error, error_description: description, error_uri: DOCS });
    res.writeHead(200, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" });
    res.end(new URLSearchParams({ error, error_description: description, error_uri: DOCS }).toString());
  }

  function authorize(url: URL, res: ServerResponse): void {
    const params = url.searchParams;
    if (params.get("client_id") !== options.clientId) return json(res, 404, { message: "Not Found" });
    const redirectUri = params.get("redirect_uri") ?? options.redirectUris?.[0] ?? "";
    if (options.redirectUris !== undefined && !options.redirectUris.includes(redirectUri)) {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("The redirect_uri is not associated with this application.");
      return;
    }
    const challenge = params.get("code_challenge");
    const method = params.get("code_challenge_method");
    if (challenge !== null && method !== "S256") {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("code_challenge_method must be S256");
      return;
    }
    const code = randomBytes(10).toString("hex");
    codes.set(code, { userId: approver, redirectUri, scope: params.get("scope") ?? "", challenge, expiresAt: Date.now() + 600_000 });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    const state = params.get("state");
    if (state !== null) back.searchParams.set("state", state);
    res.writeHead(302, { location: back.href });
    res.end();
  }

  function exchange(req: IncomingMessage, body: string, res: ServerResponse): void {
    const accept = String(req.headers.accept ?? "");
    const contentType = String(req.headers["content-type"] ?? "");
    let params: URLSearchParams;
    if (contentType.includes("application/json")) {
      try {
        params = new URLSearchParams(JSON.parse(body) as Record<string, string>);
      } catch {
        return tokenError(res, accept, "bad_verification_code", "The code passed is incorrect or expired.");
      }
    } else {
      params = new URLSearchParams(body);
    }
    if (params.get("client_id") !== options.clientId || params.get("client_secret") !== options.clientSecret) {
      return tokenError(res, accept, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
    }
    const code = params.get("code") ?? "";
    const pending = codes.get(code);
    // One-time: the code is gone whatever happens next.
    codes.delete(code);
    if (pending === undefined || pending.expiresAt < Date.now()) {
      return tokenError(res, accept, "bad_verification_code", "The code passed is incorrect or expired.");
    }
    const redirectUri = params.get("redirect_uri");
    if (redirectUri !== null && redirectUri !== pending.redirectUri) {
      return tokenError(res, accept, "redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
    }
    if (pending.challenge !== null) {
      const verifier = params.get("code_verifier") ?? "";
      const computed = createHash("sha256").update(verifier).digest("base64url");
      if (computed !== pending.challenge) return tokenError(res, accept, "bad_verification_code", "The code passed is incorrect or expired.");
    }
    const accessToken = token("gho");
    accessTokens.set(accessToken, { userId: pending.userId, scope: pending.scope });
    // GitHub answers the granted scope comma-separated.
    const answer = { access_token: accessToken, token_type: "bearer", scope: pending.scope.split(/[\s,]+/).filter(Boolean).join(",") };
    if (accept.includes("application/json")) return json(res, 200, answer);
    res.writeHead(200, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" });
    res.end(new URLSearchParams(answer).toString());
  }

  function api(req: IncomingMessage, path: string, res: ServerResponse): void {
    const match = /^(?:Bearer|token) (.+)$/i.exec(String(req.headers.authorization ?? ""));
    const grant = match === null ? undefined : accessTokens.get(match[1]!);
    if (grant === undefined) {
      return json(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
    }
    const user = users.get(grant.userId);
    if (user === undefined) return json(res, 404, { message: "Not Found" });
    if (path === "/user") {
      const publicEmail = user.emails.find((entry) => entry.visibility === "public" && entry.verified)?.email ?? null;
      return json(res, 200, {
        login: user.login,
        id: user.id,
        node_id: `U_${user.id}`,
        type: "User",
        name: user.name ?? null,
        email: publicEmail,
        html_url: `https://github.com/${user.login}`,
      });
    }
    // Without user:email (or the broader user scope) GitHub hides the list.
    const scopes = grant.scope.split(/[\s,]+/);
    if (!scopes.includes("user:email") && !scopes.includes("user")) return json(res, 404, { message: "Not Found" });
    return json(
      res,
      200,
      user.emails.map((entry) => ({ email: entry.email, primary: entry.primary, verified: entry.verified, visibility: entry.visibility ?? null })),
    );
  }

  const server = createServer((req, res) => {
    (async (): Promise<void> => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const path = url.pathname;
      counts.set(path, (counts.get(path) ?? 0) + 1);
      const body = await readBody(req);
      lastRequests.set(path, { method: req.method ?? "GET", headers: { ...req.headers }, body });
      const override = overrides.get(path);
      if (override !== undefined) {
        overrides.delete(path);
        res.writeHead(override.status, { "content-type": "application/json; charset=utf-8", ...override.headers });
        res.end(override.body);
        return;
      }
      if (req.method === "GET" && path === "/login/oauth/authorize") return authorize(url, res);
      if (req.method === "POST" && path === "/login/oauth/access_token") return exchange(req, body, res);
      if (req.method === "GET" && (path === `${API_PREFIX}/user` || path === `${API_PREFIX}/user/emails`)) {
        return api(req, path.slice(API_PREFIX.length), res);
      }
      json(res, 404, { message: "Not Found" });
    })().catch(() => {
      if (!res.headersSent) json(res, 500, { message: "Server Error" });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const webBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    webBase,
    apiBase: `${webBase}${API_PREFIX}`,
    users,
    authorizeAs(userId: number): void {
      approver = userId;
    },
    revokeTokens(): void {
      accessTokens.clear();
    },
    respondOnce(path: string, answer: RawAnswer): void {
      overrides.set(path, answer);
    },
    lastRequest(path: string): RecordedRequest | undefined {
      return lastRequests.get(path);
    },
    requestCount(path: string): number {
      return counts.get(path) ?? 0;
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
