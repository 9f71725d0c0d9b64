/**
 * Both real providers in one app, end to end through `auth.handle`: Google played by a local
 * oidc-provider (`googleProvider({ issuer })`) and GitHub by the local stand-in for its OAuth web
 * flow and REST API (`githubProvider({ webBase, apiBase })`). Sign-in, linking the other provider
 * while signed in, the accounts list, unlinking, and the last-credential rule.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { memoryStores, type MemoryStores } from "../../../src/adapters/memory/index.js";
import { createAuth, type Auth } from "../../../src/create-auth.js";
import { githubProvider, googleProvider, oauth } from "../../../src/oauth/index.js";
import { startGithubServer, type GithubTestServer } from "../../helpers/github-server.js";
import { completeLogin, startOidcServer, type OidcTestServer } from "../../helpers/oidc-server.js";
import { fastHasher, ORIGIN, request } from "../../helpers/harness.js";
import { BINDING, call, cookiePair, errorOf, SESSION, setCookie } from "./fixture.js";
import { emailPassword } from "../../../src/credentials/password/index.js";

const GOOGLE_SECRET = "google-secret-9d2e7a61";
const GITHUB_SECRET = "github-secret-0c5f38b4";

let op: OidcTestServer;
let gh: GithubTestServer;

beforeAll(async () => {
  op = await startOidcServer({
    clients: [{ clientId: "portcullis", clientSecret: GOOGLE_SECRET, redirectUris: [`${ORIGIN}/auth/oauth/google/callback`] }],
    accounts: [{ sub: "ada-google", email: "ada@example.com", email_verified: true, name: "Ada" }],
  });
  gh = await startGithubServer({
    clientId: "portcullis-gh",
    clientSecret: GITHUB_SECRET,
    redirectUris: [`${ORIGIN}/auth/oauth/github/callback`],
    users: [
      { id: 4242, login: "ada", name: "Ada L", emails: [{ email: "ada@example.com", primary: true, verified: true, visibility: "private" }] },
      { id: 7, login: "newbie", name: null, emails: [{ email: "newbie@example.com", primary: true, verified: false, visibility: null }] },
      { id: 8, login: "silent", name: "Silent", emails: [] },
    ],
  });
});

afterAll(async () => {
  await op?.close();
  await gh?.close();
});

function makeAuth(): { auth: Auth; stores: MemoryStores } {
  const stores = memoryStores();
  const providers = [
    googleProvider({ issuer: op.issuer, clientId: "portcullis", clientSecret: GOOGLE_SECRET }),
    githubProvider({ clientId: "portcullis-gh", clientSecret: GITHUB_SECRET, webBase: gh.webBase, apiBase: gh.apiBase }),
  ];
  const auth = createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), oauth({ providers, errorRedirect: "/auth/sign-in" })], settings: { publicOrigin: ORIGIN } });
  return { auth, stores };
}

/** GitHub's authorize endpoint approves at once (as for a user who already authorized the app). */
async function githubConsent(authorizationUrl: string): Promise<string> {
  const response = await fetch(authorizationUrl, { redirect: "manual" });
  expect(response.status).toBe(302);
  return response.headers.get("location")!;
}

async function githubSignIn(auth: Auth, userId: number, cookie?: string): Promise<Response> {
  gh.authorizeAs(userId);
  const started = await call(auth, "/auth/oauth/github/start?return=/repos");
  const binding = cookiePair(setCookie(started, BINDING));
  const callback = await githubConsent(started.headers.get("location")!);
  return call(auth, callback, { cookie: [binding, cookie].filter(Boolean).join("; ") });
}

async function googleSignIn(auth: Auth): Promise<Response> {
  const started = await call(auth, "/auth/oauth/google/start?return=/mail");
  const binding = cookiePair(setCookie(started, BINDING));
  const back = await completeLogin(started.headers.get("location")!, { accountId: "ada-google" });
  return call(auth, back.url.href, { cookie: binding });
}

describe("Google (a real OpenID Provider) and GitHub (the stand-in) through auth.handle", () => {
  test("sign-in with GitHub: PKCE verified by the server, identity by numeric id, verified primary email", async () => {
    const { auth, stores } = makeAuth();
    const response = await githubSignIn(auth, 4242);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/repos");
    const session = cookiePair(setCookie(response, SESSION));
    const me = (await (await auth.handle(request("/auth/session", { cookie: session }))).json()) as { user: { email: string; emailVerified: boolean; name: string } };
    expect(me.user).toMatchObject({ email: "ada@example.com", emailVerified: true, name: "Ada L" });
    const user = await stores.users.findByEmail("ada@example.com");
    expect((await stores.credentials.listByUser(user!.id)).map((c) => c.identifier)).toEqual(["github:4242"]);
    // The token request carried the PKCE verifier; the secret went only to GitHub's token endpoint.
    expect(gh.lastRequest("/login/oauth/access_token")?.body).toContain("code_verifier=");
  });

  test("then Google with the same verified address links automatically; both reach one account", async () => {
    const { auth, stores } = makeAuth();
    expect((await githubSignIn(auth, 4242)).status).toBe(303);
    const viaGoogle = await googleSignIn(auth);
    expect(viaGoogle.status).toBe(303);
    expect(viaGoogle.headers.get("location")).toBe("/mail");
    const user = await stores.users.findByEmail("ada@example.com");
    const identifiers = (await stores.credentials.listByUser(user!.id)).map((c) => c.identifier).sort();
    expect(identifiers).toEqual(["github:4242", "google:ada-google"]);

    const session = cookiePair(setCookie(viaGoogle, SESSION));
    const accounts = (await (await call(auth, "/auth/oauth/accounts", { cookie: session })).json()) as { accounts: { provider: string }[] };
    expect(accounts.accounts.map((a) => a.provider).sort()).toEqual(["github", "google"]);

    // One may go; the other is then the last way in.
    const unlink = (provider: string): Promise<Response> => auth.handle(request("/auth/oauth/unlink", { body: { provider }, cookie: session }));
    expect((await unlink("github")).status).toBe(204);
    const last = await unlink("google");
    expect(last.status).toBe(409);
    expect(await errorOf(last)).toMatchObject({ code: "last_credential" });
  });

  test("link GitHub while signed in with Google, then sign in with GitHub", async () => {
    const { auth, stores } = makeAuth();
    const google = await googleSignIn(auth);
    const session = cookiePair(setCookie(google, SESSION));
    gh.authorizeAs(7); // an unverified GitHub address: fine for an explicit link
    const started = await auth.handle(request("/auth/oauth/github/link?return=/settings", { method: "POST", cookie: session, headers: { accept: "application/json" } }));
    expect(started.status).toBe(200);
    const { url } = (await started.json()) as { url: string };
    const binding = cookiePair(setCookie(started, BINDING));
    const callback = await githubConsent(url);
    const linked = await call(auth, callback, { cookie: `${binding}; ${session}` });
    expect(linked.status).toBe(303);
    expect(linked.headers.get("location")).toBe("/settings");

    const viaGithub = await githubSignIn(auth, 7);
    expect(viaGithub.status).toBe(303);
    const me = (await (await auth.handle(request("/auth/session", { cookie: cookiePair(setCookie(viaGithub, SESSION)) }))).json()) as { user: { email: string } };
    expect(me.user.email).toBe("ada@example.com");
    expect(await stores.users.findByEmail("newbie@example.com")).toBeNull();
  });

  test("failures land on the sign-in page with only the code, and no secret anywhere", async () => {
    const { auth } = makeAuth();
    // A GitHub user with no email at all: the flow cannot create an account.
    const silent = await githubSignIn(auth, 8);
    expect(silent.status).toBe(303);
    expect(silent.headers.get("location")).toBe("/auth/sign-in?error=oauth_failed");
    expect(setCookie(silent, SESSION)).toBeNull();

    // A replayed GitHub callback.
    gh.authorizeAs(4242);
    const started = await call(auth, "/auth/oauth/github/start");
    const binding = cookiePair(setCookie(started, BINDING));
    const callback = await githubConsent(started.headers.get("location")!);
    expect((await call(auth, callback, { cookie: binding })).status).toBe(303);
    const replay = await call(auth, callback, { cookie: binding });
    expect(replay.headers.get("location")).toBe("/auth/sign-in?error=oauth_failed");
    const body = await replay.text();
    for (const secret of [GOOGLE_SECRET, GITHUB_SECRET]) expect(body + JSON.stringify([...replay.headers])).not.toContain(secret);
  });

  test("GitHub's token endpoint refusing the code (200 + error) is oauth_failed, never a session", async () => {
    const { auth } = makeAuth();
    gh.authorizeAs(4242);
    const started = await call(auth, "/auth/oauth/github/start");
    const binding = cookiePair(setCookie(started, BINDING));
    const callback = new URL(await githubConsent(started.headers.get("location")!));
    callback.searchParams.set("code", "0000000000");
    const response = await call(auth, callback.href, { cookie: binding });
    expect(response.headers.get("location")).toBe("/auth/sign-in?error=oauth_failed");
    expect(setCookie(response, SESSION)).toBeNull();
  });
});
