/**
 * The deployable entry (worker/index.ts) inside workerd with a real D1 binding and the Argon2
 * WASM module compiled the way wrangler ships it (vitest.config.ts declares the CompiledWasm
 * rule). Covers the wiring the memory-store tests cannot: d1Stores + argon2idHasher + env, and
 * the authorization engine on D1 (ROLES, assignments in the D1 access store, the admin API,
 * API keys through the gateway).
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { d1CoreStores, type D1DatabaseLike } from "../../src/adapters/d1/index.js";
import worker, { gatewayFor, type GatewayEnv } from "../../src/runtimes/worker/index.js";
import { sqliteMigrations } from "../adapters/d1-migrations.js";

const DB = (env as unknown as { DB: D1DatabaseLike }).DB;
const GW = "https://gw.example.test";
// Never contacted by these tests.
const gatewayEnv: GatewayEnv = { DB, ORIGIN_URL: "http://127.0.0.1:9", PUBLIC_PATHS: "/favicon.ico,/public/*" };

const rulesEnv: GatewayEnv = {
  ...gatewayEnv,
  ROLES: '[{"id":"admin","permissions":["*"],"tenantId":null}]',
  ROUTE_RULES: '[{"method":"GET","path":"/admin/*","permission":"admin:read"},{"path":"/reports/*","permission":"reports:read"}]',
};

beforeAll(async () => {
  await applyD1Migrations(DB as unknown as Parameters<typeof applyD1Migrations>[0], sqliteMigrations);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * The origin, faked by replacing the global fetch the gateway proxies with (the Worker module
 * runs in this isolate). Records what reached it; answers 200.
 */
function fakeOrigin(): { seen: Request[] } {
  const seen: Request[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push(new Request(input, init));
    return Response.json({ ok: true });
  });
  return { seen };
}

async function jsonSignUp(email: string, environment: GatewayEnv): Promise<string> {
  const response = await worker.fetch(
    new Request(`${GW}/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse battery", transport: "cookie" }),
    }),
    environment,
  );
  expect(response.status).toBe(201);
  return response.headers.getSetCookie()[0]!.split(";")[0]!;
}

async function userIdOf(email: string): Promise<string> {
  const row = await DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
  return row!.id;
}

describe("worker/index.ts on D1 + Argon2 WASM", () => {
  test("one gateway per env, reused across requests", () => {
    expect(gatewayFor(gatewayEnv)).toBe(gatewayFor(gatewayEnv));
  });

  test("form sign-up -> 303 + cookie; the session then authenticates", async () => {
    const signUp = await worker.fetch(
      new Request(`${GW}/auth/sign-up`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: GW, "sec-fetch-site": "same-origin" },
        body: new URLSearchParams({ email: "worker@example.test", password: "correct horse battery", return: "/home" }).toString(),
      }),
      gatewayEnv,
    );
    expect(signUp.status).toBe(303);
    expect(signUp.headers.get("location")).toBe("/home");
    const cookie = signUp.headers.getSetCookie()[0]!.split(";")[0]!;

    const session = await worker.fetch(new Request(`${GW}/auth/session`, { headers: { cookie } }), gatewayEnv);
    expect(session.status).toBe(200);
    const body = (await session.json()) as { user: { email: string } };
    expect(body.user.email).toBe("worker@example.test");

    // Proxying (and the 502 when the origin is down) is covered over real HTTP by
    // test/e2e/gateway.node.test.ts; a refused subrequest here only makes workerd log noise.
    const anonymous = await worker.fetch(new Request(`${GW}/home`, { headers: { accept: "text/html" } }), gatewayEnv);
    expect(anonymous.status).toBe(303);
  });

  test("passwords land in D1 as Argon2id at the OWASP parameters", async () => {
    const row = await DB.prepare("SELECT secret FROM credentials LIMIT 1").all();
    expect(String((row.results[0] as { secret: string }).secret)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test("ROUTE_RULES + ROLES end to end: no role -> 403 (audited in D1); a role written to the D1 access store -> through", async () => {
    const origin = fakeOrigin();
    const cookie = await jsonSignUp("boss@example.test", rulesEnv);
    const userId = await userIdOf("boss@example.test");

    for (const path of ["/admin/x", "//ADMIN/x/", "/%61dmin;j=1/x?next=/public"]) {
      const denied = await worker.fetch(new Request(`${GW}${path}`, { headers: { cookie } }), rulesEnv);
      expect(denied.status, path).toBe(403);
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    }
    expect(origin.seen).toHaveLength(0);
    const rows = await DB.prepare("SELECT type, reason, detail FROM audit_events WHERE user_id = ? AND type IN ('route_denied', 'authorize') ORDER BY at").bind(userId).all();
    const events = rows.results as Array<{ type: string; reason: string; detail: string }>;
    expect(events.filter((e) => e.type === "route_denied")).toHaveLength(3);
    expect(events.filter((e) => e.type === "authorize").map((e) => e.reason)).toEqual(["default_deny", "default_deny", "default_deny"]);
    const last = events.filter((e) => e.type === "route_denied").at(-1)!;
    expect(JSON.parse(last.detail)).toMatchObject({ path: "/%61dmin;j=1/x", permission: "admin:read", checkReason: "default_deny" });

    // What `npm run admin -- assign-role` does, through the same D1 access store.
    await d1CoreStores(DB).access.updateAssignments(userId, null, { addRoles: ["admin"] });
    const allowed = await worker.fetch(new Request(`${GW}/admin/x?tab=1`, { headers: { cookie } }), rulesEnv);
    expect(allowed.status).toBe(200);
    expect(origin.seen.at(-1)!.url).toBe("http://127.0.0.1:9/admin/x?tab=1");
    expect(origin.seen.at(-1)!.headers.get("x-portcullis-user-id")).toBe(userId);
  });

  test("an API key minted through the admin API reaches the origin within its scopes and is refused outside them", async () => {
    const origin = fakeOrigin();
    const cookie = await jsonSignUp("keys@example.test", rulesEnv);
    const ownerId = await userIdOf("keys@example.test");
    const mint = (): Promise<Response> =>
      worker.fetch(
        new Request(`${GW}/auth/admin/api-keys`, {
          method: "POST",
          headers: { "content-type": "application/json", cookie },
          body: JSON.stringify({ name: "reports bot", scopes: ["reports:read"] }),
        }),
        rulesEnv,
      );
    // The admin API is itself behind permissions: without a role, no key.
    expect((await mint()).status).toBe(403);

    await d1CoreStores(DB).access.updateAssignments(ownerId, null, { addRoles: ["admin"] });
    const minted = await mint();
    expect(minted.status).toBe(201);
    const { key } = (await minted.json()) as { key: string };
    expect(key).toMatch(/^pk_live_/);
    const bearer = { authorization: `Bearer ${key}` };

    const reports = await worker.fetch(new Request(`${GW}/reports/q1`, { headers: bearer }), rulesEnv);
    expect(reports.status).toBe(200);
    const seen = origin.seen.at(-1)!;
    expect(seen.headers.get("x-portcullis-principal-type")).toBe("api_key");
    expect(seen.headers.get("x-portcullis-user-id")).toBe(ownerId);
    expect(seen.headers.get("authorization")).toBeNull();
    // No rule on this path: a valid key is enough, like a session.
    expect((await worker.fetch(new Request(`${GW}/home`, { headers: bearer }), rulesEnv)).status).toBe(200);

    // The owner holds admin:read; the key's scopes do not.
    const admin = await worker.fetch(new Request(`${GW}/admin/x`, { headers: bearer }), rulesEnv);
    expect(admin.status).toBe(403);
    const denial = await DB.prepare("SELECT detail FROM audit_events WHERE user_id = ? AND type = 'route_denied' ORDER BY at DESC LIMIT 1").bind(ownerId).first<{ detail: string }>();
    expect(JSON.parse(denial!.detail)).toMatchObject({ permission: "admin:read", checkReason: "scope_limit" });
    // A key cannot mint keys (admin API rule), and a wrong key is 401.
    expect((await worker.fetch(new Request(`${GW}/auth/admin/api-keys`, { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: "{}" }), rulesEnv)).status).toBe(403);
    expect((await worker.fetch(new Request(`${GW}/reports/q1`, { headers: { authorization: `Bearer ${key}x`, accept: "application/json" } }), rulesEnv)).status).toBe(401);
  });

  test.each([
    ["not JSON", "admin"],
    ["a role without tenantId", '[{"id":"admin","permissions":["*"]}]'],
    ["a partial glob", '[{"id":"admin","permissions":["adm*:read"],"tenantId":null}]'],
  ])("an invalid ROLES var (%s) -> 500 gateway misconfigured, the variable named in the thrown error", async (_label, roles) => {
    const bad: GatewayEnv = { ...rulesEnv, ROLES: roles };
    const response = await worker.fetch(new Request(`${GW}/`), bad);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toContain("gateway misconfigured");
    expect(text).not.toContain("ROLES");
    expect(() => gatewayFor(bad)).toThrow(/^ROLES/);
  });

  test("malformed ROUTE_RULES stop the gateway (500 misconfigured, reason in the thrown error)", async () => {
    const bad: GatewayEnv = { ...gatewayEnv, ROUTE_RULES: '[{"path":"/admin/*/x","permission":"admin:read"}]' };
    const response = await worker.fetch(new Request(`${GW}/`), bad);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("gateway misconfigured");
    expect(() => gatewayFor(bad)).toThrow(/route rule #0/);
  });

  test("0.4 vars: a provider button, and a magic link through D1's single-use store and the dev inbox", async () => {
    const env04: GatewayEnv = {
      ...gatewayEnv,
      PUBLIC_ORIGIN: "http://localhost:8787",
      DEV_INBOX: "true",
      OIDC_PROVIDERS: '[{"id":"acme-sso","issuer":"https://sso.acme.example","clientId":"portcullis","name":"Acme SSO"}]',
      OAUTH_ACME_SSO_CLIENT_SECRET: "not-a-real-secret",
    };
    const LOCAL = "http://localhost:8787";
    const page = await (await worker.fetch(new Request(`${LOCAL}/auth/sign-in?return=%2Fhome`), env04)).text();
    expect(page).toContain('<a href="/auth/oauth/acme-sso/start?return=%2Fhome">Sign in with Acme SSO</a>');
    expect(page).toContain('action="/auth/magic-link"');

    await jsonSignUp("links@example.test", env04);
    const form = { "content-type": "application/x-www-form-urlencoded", origin: LOCAL, "sec-fetch-site": "same-origin" };
    const requested = await worker.fetch(new Request(`${LOCAL}/auth/magic-link`, { method: "POST", headers: form, body: "email=links%40example.test&return=%2Fhome" }), env04);
    expect(requested.status).toBe(200);
    const inbox = await (await worker.fetch(new Request(`${LOCAL}/auth/dev/inbox`), env04)).text();
    const token = /magic-link\?token=([A-Za-z0-9_-]+)/.exec(inbox)![1]!;
    // The token lives in D1 (single_use), once.
    const redeem = (): Promise<Response> =>
      worker.fetch(new Request(`${LOCAL}/auth/magic-link/verify`, { method: "POST", headers: form, body: `token=${token}` }), env04);
    const signedIn = await redeem();
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("location")).toBe("/home");
    expect(signedIn.headers.getSetCookie()[0]).toMatch(/^__Host-portcullis=/);
    expect((await redeem()).status).toBe(400);
    // Off loopback the inbox does not exist, whatever the configuration says.
    expect((await worker.fetch(new Request(`${GW}/auth/dev/inbox`), env04)).status).toBe(404);
  });

  test("a missing OAuth client secret stops the gateway; the error names the variable", async () => {
    const bad: GatewayEnv = {
      ...gatewayEnv,
      PUBLIC_ORIGIN: "https://auth.example.test",
      OIDC_PROVIDERS: '[{"id":"acme-sso","issuer":"https://sso.acme.example","clientId":"portcullis"}]',
    };
    const response = await worker.fetch(new Request(`${GW}/`), bad);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("OAUTH_");
    expect(() => gatewayFor(bad)).toThrow(/^OAUTH_ACME_SSO_CLIENT_SECRET is required/);
  });

  test("a misconfigured env answers 500 without details and is not cached", async () => {
    const bad: GatewayEnv = { DB, ORIGIN_URL: "ftp://nope" };
    const response = await worker.fetch(new Request(`${GW}/`), bad);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toContain("gateway misconfigured");
    expect(text).not.toContain("ftp");
    expect(() => gatewayFor(bad)).toThrow(/ORIGIN_URL/);
  });
});
