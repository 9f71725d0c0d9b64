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
