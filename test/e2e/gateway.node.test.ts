/**
 * End to end over real HTTP: the gateway Worker under `wrangler dev` (workerd, local D1, the
 * Argon2 WASM module bundled by wrangler) in front of worker/demo-origin.mjs, started by
 * ./local-stack.ts (free ports, a temporary D1 state directory). Node only.
 *
 * The configuration is wrangler.toml's own (ROUTE_RULES protects /admin/*, ROLES defines
 * `admin`), so the bootstrap a developer follows after `npm start` is exercised as printed:
 * sign up, 403 on /admin, `npm run admin -- assign-role ...` against the running gateway's
 * database, then 200.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { childEnv as env, root, startLocalStack, type LocalStack } from "./local-stack.js";

const PASSWORD = "correct horse battery staple";
const COOKIE = "__Host-portcullis";

let stack: LocalStack;
let gateway = "";
let persistDir = "";

function get(pathname: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(gateway + pathname, { headers, redirect: "manual" });
}

function postJson(pathname: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(gateway + pathname, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), redirect: "manual" });
}

function postForm(pathname: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(gateway + pathname, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

function sessionCookie(response: Response): string {
  const set = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${COOKIE}=`));
  if (set === undefined) throw new Error(`no session cookie in ${response.status} response`);
  return set.split(";")[0]!;
}

interface OriginView {
  method: string;
  path: string;
  identity: Record<string, string>;
  name: string | null;
  cookieNames: string[];
  authorization: boolean;
}

async function originView(response: Response): Promise<OriginView> {
  expect(response.status).toBe(200);
  return (await response.json()) as OriginView;
}

const sameSite = (): Record<string, string> => ({ origin: gateway, "sec-fetch-site": "same-origin" });
const HTML = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
const JSON_ACCEPT = { accept: "application/json" };

/** `npm run admin -- ...` as a developer types it; output is stdout and stderr together. */
function npmRunAdmin(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "--silent", "admin", "--", ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  stack = await startLocalStack();
  gateway = stack.gateway;
  persistDir = stack.persistDir;
}, 60_000);

afterAll(async () => {
  await stack?.close();
}, 15_000);

describe("gateway under wrangler dev", () => {
  let jsonUser = { id: "", email: "" };
  let jsonCookie = "";
  let formCookie = "";

  test("GET / from a browser -> 303 to the sign-in page", async () => {
    const response = await get("/", HTML);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/auth/sign-in?return=%2F");
  });

  test("GET the sign-in page -> 200 HTML with a strict CSP", async () => {
    const response = await get("/auth/sign-in?return=%2F", HTML);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain('<form method="post" action="/auth/sign-in">');
    expect(html).toContain('autocomplete="current-password"');
  });

  test("sign-up via JSON -> 201 + __Host- session cookie", async () => {
    const response = await postJson("/auth/sign-up", { email: "json@example.test", password: PASSWORD, name: "Zoë Json" });
    expect(response.status).toBe(201);
    const set = response.headers.getSetCookie()[0]!;
    expect(set).toMatch(/^__Host-portcullis=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/);
    jsonCookie = sessionCookie(response);
    jsonUser = ((await response.json()) as { user: { id: string; email: string } }).user;
  });

  test("sign-up via form POST -> 303 to the return path + cookie", async () => {
    const response = await postForm("/auth/sign-up", { email: "form@example.test", password: PASSWORD, return: "/welcome?tour=1" }, sameSite());
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/welcome?tour=1");
    formCookie = sessionCookie(response);
  });

  test("GET / with the cookie -> origin sees identity headers and not the session cookie", async () => {
    const view = await originView(await get("/", { ...JSON_ACCEPT, cookie: `theme=dark; ${jsonCookie}` }));
    expect(view.path).toBe("/");
    expect(view.identity["x-portcullis-user-id"]).toBe(jsonUser.id);
    expect(view.identity["x-portcullis-email"]).toBe("json@example.test");
    expect(view.identity["x-portcullis-email-verified"]).toBe("false");
    expect(view.identity["x-portcullis-auth-methods"]).toBe("pwd");
    expect(view.name).toBe("Zoë Json");
    expect(view.cookieNames).toEqual(["theme"]);
  });

  test("the form-created session works too (D1 persisted it)", async () => {
    const view = await originView(await get("/welcome?tour=1", { ...JSON_ACCEPT, cookie: formCookie }));
    expect(view.path).toBe("/welcome?tour=1");
    expect(view.identity["x-portcullis-email"]).toBe("form@example.test");
  });

  test("a spoofed X-Portcullis-User-Id from the client is replaced (and stripped on public paths)", async () => {
    const spoof = { "X-Portcullis-User-Id": "admin", "X-Portcullis-Role": "root", "x-middleware-subrequest": "middleware" };
    const signedIn = await originView(await get("/dashboard", { ...JSON_ACCEPT, ...spoof, cookie: jsonCookie }));
    expect(signedIn.identity["x-portcullis-user-id"]).toBe(jsonUser.id);
    expect(signedIn.identity["x-portcullis-role"]).toBeUndefined();
    const anonymous = await originView(await get("/public/x", { ...JSON_ACCEPT, ...spoof, cookie: jsonCookie }));
    expect(anonymous.identity).toEqual({});
    expect(anonymous.cookieNames).toEqual([]);
  });

  test("bootstrap: 403 on /admin, `npm run admin -- assign-role` against the running gateway's D1, then 200; an admin-API key within its scopes", async () => {
    const signUp = await postJson("/auth/sign-up", { email: "boss@example.test", password: PASSWORD });
    expect(signUp.status).toBe(201);
    const cookie = sessionCookie(signUp);
    const denied = await get("/admin/panel", { ...JSON_ACCEPT, cookie });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("forbidden");

    // Exactly what `npm start` prints, plus the temporary state directory this suite runs in.
    const cli = await npmRunAdmin(["assign-role", "--email", "boss@example.test", "--role", "admin", "--persist-to", persistDir]);
    expect(cli.code, cli.output).toBe(0);
    expect(cli.output).toContain("Assigned the role admin to boss@example.test");

    // Same session: assignments are read per request.
    const view = await originView(await get("/admin/panel", { ...JSON_ACCEPT, cookie }));
    expect(view.path).toBe("/admin/panel");
    expect(view.identity["x-portcullis-email"]).toBe("boss@example.test");

    // The admin API (under the auth base path) now answers this administrator: mint keys.
    const mint = async (scopes: string[]): Promise<string> => {
      const response = await postJson("/auth/admin/api-keys", { name: `e2e ${scopes.join(" ")}`, scopes }, { cookie });
      expect(response.status).toBe(201);
      return ((await response.json()) as { key: string }).key;
    };
    const reader = await mint(["admin:read"]);
    const viaKey = await originView(await get("/admin/panel", { ...JSON_ACCEPT, authorization: `Bearer ${reader}` }));
    expect(viaKey.identity["x-portcullis-principal-type"]).toBe("api_key");
    expect(viaKey.authorization).toBe(false);
    // The owner is an administrator, but this key's scopes do not cover admin:read.
    const other = await mint(["docs:read"]);
    expect((await get("/admin/panel", { ...JSON_ACCEPT, authorization: `Bearer ${other}` })).status).toBe(403);
  }, 60_000);

  test("cross-site form POST -> 403, no cookie", async () => {
    const byOrigin = await postForm("/auth/sign-up", { email: "csrf@example.test", password: PASSWORD }, { origin: "https://evil.test" });
    expect(byOrigin.status).toBe(403);
    expect(byOrigin.headers.getSetCookie()).toEqual([]);
    const byFetchSite = await postForm("/auth/sign-in", { email: "json@example.test", password: PASSWORD }, { "sec-fetch-site": "cross-site" });
    expect(byFetchSite.status).toBe(403);
  });

  test("sign-in with a wrong password -> 401 (JSON and form)", async () => {
    const json = await postJson("/auth/sign-in", { email: "json@example.test", password: "not the password" });
    expect(json.status).toBe(401);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe("invalid_credentials");
    const form = await postForm("/auth/sign-in", { email: "json@example.test", password: "not the password" }, sameSite());
    expect(form.status).toBe(401);
    expect(await form.text()).toContain('role="alert">The email or password is incorrect.');
  });

  test("API request without a cookie -> 401 JSON", async () => {
    const response = await get("/api/data", JSON_ACCEPT);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
  });

  test("bearer token: identity forwarded, Authorization not", async () => {
    const signIn = await postJson("/auth/sign-in", { email: "json@example.test", password: PASSWORD, transport: "bearer" });
    expect(signIn.status).toBe(200);
    const { token } = (await signIn.json()) as { token: string };
    const view = await originView(await get("/api/me", { ...JSON_ACCEPT, authorization: `Bearer ${token}` }));
    expect(view.identity["x-portcullis-user-id"]).toBe(jsonUser.id);
    expect(view.authorization).toBe(false);
  });

  test("sign-out (JSON 204, form 303) and the old cookies stop working", async () => {
    const api = await fetch(`${gateway}/auth/sign-out`, { method: "POST", headers: { cookie: jsonCookie }, redirect: "manual" });
    expect(api.status).toBe(204);
    expect(api.headers.getSetCookie()[0]).toMatch(/^__Host-portcullis=; .*Max-Age=0/);

    const form = await postForm("/auth/sign-out", {}, { ...sameSite(), cookie: formCookie });
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toBe("/auth/sign-in");

    for (const cookie of [jsonCookie, formCookie]) {
      const page = await get("/", { ...HTML, cookie });
      expect(page.status).toBe(303); // the gateway answered; the origin (always 200) was not reached
      expect((await get("/api/data", { ...JSON_ACCEPT, cookie })).status).toBe(401);
    }
  });

  test("a failing origin -> 502 origin_unavailable", async () => {
    const signIn = await postJson("/auth/sign-in", { email: "form@example.test", password: PASSWORD });
    const cookie = sessionCookie(signIn);
    await stack.stopOrigin();
    const response = await get("/", { ...JSON_ACCEPT, cookie });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("origin_unavailable");
  });
});
