import { OAuthError, providerErrorDetail } from "./errors.js";
import { assertAvailable, isRecord, requestJson, type FetchLike, type JsonAnswer } from "./http.js";

/**
 * GitHub's token endpoint and REST API, as documented ("Authorizing OAuth apps", "REST API
 * endpoints for users" and "for emails"). Every answer is checked against the documented shape
 * before anything in it is trusted.
 */

export const GITHUB_API_VERSION = "2022-11-28";

export interface GithubCall {
  fetch: FetchLike;
  timeoutMs: number;
  userAgent: string;
}

export interface GithubUser {
  id: number;
  login: string;
  name: string | null;
}

export interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/** GitHub answers token errors with 200 and `{error}`; any `error` field is a refusal, whatever the status. */
export async function exchangeGithubCode(call: GithubCall, tokenUrl: string, form: URLSearchParams): Promise<string> {
  const what = "GitHub token request";
  const answer = await requestJson(
    call.fetch,
    tokenUrl,
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", "user-agent": call.userAgent },
      body: form.toString(),
    },
    what,
    call.timeoutMs,
  );
  assertAvailable(answer, what);
  if (isRecord(answer.body) && answer.body.error !== undefined) {
    throw new OAuthError("token_exchange_failed", `${what}: GitHub refused the code`, providerErrorDetail(answer.body));
  }
  if (answer.status !== 200) throw new OAuthError("token_exchange_failed", `${what}: GitHub answered ${answer.status}`);
  if (!isRecord(answer.body)) throw new OAuthError("invalid_response", `${what}: the answer is not a JSON object`);
  const { access_token: accessToken, token_type: tokenType } = answer.body;
  if (typeof accessToken !== "string" || accessToken.length === 0) throw new OAuthError("invalid_response", `${what}: the answer has no access_token`);
  if (tokenType !== undefined && (typeof tokenType !== "string" || tokenType.toLowerCase() !== "bearer")) {
    throw new OAuthError("invalid_response", `${what}: the token is not a bearer token`);
  }
  return accessToken;
}

function apiGet(call: GithubCall, url: string, accessToken: string, what: string): Promise<JsonAnswer> {
  return requestJson(
    call.fetch,
    url,
    {
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: "application/vnd.github+json",
        "x-github-api-version": GITHUB_API_VERSION,
        // GitHub refuses API requests without a User-Agent.
        "user-agent": call.userAgent,
      },
    },
    what,
    call.timeoutMs,
  );
}

/** GitHub's primary rate limit is a 403 with `x-ratelimit-remaining: 0`: the provider's trouble, not the user's. */
function assertNotRateLimited(answer: JsonAnswer, what: string): void {
  assertAvailable(answer, what);
  if (answer.status === 403 && answer.headers.get("x-ratelimit-remaining") === "0") {
    throw new OAuthError("provider_unavailable", `${what}: GitHub's rate limit is exhausted`);
  }
}

export async function fetchGithubUser(call: GithubCall, apiBase: string, accessToken: string): Promise<GithubUser> {
  const what = "GitHub /user";
  const answer = await apiGet(call, `${apiBase}/user`, accessToken, what);
  assertNotRateLimited(answer, what);
  if (answer.status !== 200) throw new OAuthError("userinfo_failed", `${what}: GitHub answered ${answer.status}`);
  const body = answer.body;
  if (!isRecord(body)) throw new OAuthError("invalid_response", `${what}: the answer is not a JSON object`);
  // The numeric id is the stable identity: logins can be renamed and then claimed by someone else.
  if (typeof body.id !== "number" || !Number.isSafeInteger(body.id) || body.id <= 0) {
    throw new OAuthError("invalid_response", `${what}: the answer has no numeric id`);
  }
  if (typeof body.login !== "string" || body.login.length === 0) throw new OAuthError("invalid_response", `${what}: the answer has no login`);
  if (body.name !== undefined && body.name !== null && typeof body.name !== "string") {
    throw new OAuthError("invalid_response", `${what}: name is not a string`);
  }
  return { id: body.id, login: body.login, name: typeof body.name === "string" && body.name.length > 0 ? body.name : null };
}

/**
 * The account's addresses, or null when the token may not read them (403/404: the `user:email`
 * scope or the GitHub App's email permission was not granted). 401 means the token itself failed.
 */
export async function fetchGithubEmails(call: GithubCall, apiBase: string, accessToken: string): Promise<GithubEmail[] | null> {
  const what = "GitHub /user/emails";
  const answer = await apiGet(call, `${apiBase}/user/emails`, accessToken, what);
  assertNotRateLimited(answer, what);
  if (answer.status === 403 || answer.status === 404) return null;
  if (answer.status !== 200) throw new OAuthError("userinfo_failed", `${what}: GitHub answered ${answer.status}`);
  const body = answer.body;
  if (!Array.isArray(body)) throw new OAuthError("invalid_response", `${what}: the answer is not a JSON array`);
  return body.map((entry: unknown): GithubEmail => {
    if (!isRecord(entry) || typeof entry.email !== "string" || typeof entry.primary !== "boolean" || typeof entry.verified !== "boolean") {
      throw new OAuthError("invalid_response", `${what}: an entry does not have the documented shape`);
    }
    return { email: entry.email, primary: entry.primary, verified: entry.verified };
  });
}

/** Only the primary address, and only when GitHub has verified it: anything else cannot link accounts. */
export function verifiedPrimaryEmail(emails: readonly GithubEmail[] | null): string | null {
  const primary = emails?.find((entry) => entry.primary);
  return primary !== undefined && primary.verified && primary.email.length > 0 ? primary.email : null;
}
