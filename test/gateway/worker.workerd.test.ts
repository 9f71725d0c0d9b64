/**
 * The deployable entry (worker/index.ts) inside workerd with a real D1 binding and the Argon2
 * WASM module compiled the way wrangler ships it (vitest.config.ts declares the CompiledWasm
 * rule). Covers the wiring the memory-store tests cannot: d1Stores + argon2idHasher + env.
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import type { D1DatabaseLike } from "../../src/adapters/d1/index.js";
import worker, { gatewayFor, type GatewayEnv } from "../../worker/index.js";
import { sqliteMigrations } from "../adapters/d1-migrations.js";

const DB = (env as unknown as { DB: D1DatabaseLike }).DB;
const GW = "https://gw.example.test";
// Never contacted by these tests.
const gatewayEnv: GatewayEnv = { DB, ORIGIN_URL: "http://127.0.0.1:9", PUBLIC_PATHS: "/favicon.ico,/public/*" };

beforeAll(async () => {
  await applyD1Migrations(DB as unknown as Parameters<typeof applyD1Migrations>[0], sqliteMigrations);
});

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

  test("ROUTE_RULES end to end: D1 principal -> ADMIN_EMAILS stand-in -> 403 + audit row in D1", async () => {
    const rulesEnv: GatewayEnv = {
      ...gatewayEnv,
      ROUTE_RULES: '[{"method":"GET","path":"/admin/*","permission":"admin:read"}]',
      ADMIN_EMAILS: "boss@example.test",
    };
    const signUp = await worker.fetch(
      new Request(`${GW}/auth/sign-up`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "boss@example.test", password: "correct horse battery", transport: "cookie" }),
      }),
      rulesEnv,
    );
    expect(signUp.status).toBe(201);
    const cookie = signUp.headers.getSetCookie()[0]!.split(";")[0]!;

    // Listed but unverified: the stand-in refuses (whoever registers an address first must not become admin).
    for (const path of ["/admin/x", "//ADMIN/x/", "/%61dmin;j=1/x?next=/public"]) {
      const denied = await worker.fetch(new Request(`${GW}${path}`, { headers: { cookie } }), rulesEnv);
      expect(denied.status, path).toBe(403);
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    }
    const rows = await DB.prepare("SELECT type, outcome, reason, detail FROM audit_events WHERE type = 'route_denied'").all();
    expect(rows.results).toHaveLength(3);
    expect(JSON.parse(String((rows.results[2] as { detail: string }).detail))).toMatchObject({ path: "/%61dmin;j=1/x", permission: "admin:read", checkReason: "admin_email_unverified" });

    // Verified: the rule lets the request through to the (absent) origin, hence 502 rather than
    // 403. workerd logs the refused connection ("Network connection lost"); that noise is expected.
    await DB.prepare("UPDATE users SET email_verified = 1 WHERE email = ?").bind("boss@example.test").run();
    const allowed = await worker.fetch(new Request(`${GW}/admin/x`, { headers: { cookie } }), rulesEnv);
    expect(allowed.status).toBe(502);
  });

  test("malformed ROUTE_RULES stop the gateway (500 misconfigured, reason in the thrown error)", async () => {
    const bad: GatewayEnv = { ...gatewayEnv, ROUTE_RULES: '[{"path":"/admin/*/x","permission":"admin:read"}]' };
    const response = await worker.fetch(new Request(`${GW}/`), bad);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("gateway misconfigured");
    expect(() => gatewayFor(bad)).toThrow(/route rule #0/);
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
