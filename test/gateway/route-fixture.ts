/**
 * A gateway with route rules on memory stores, for the route-rule suites: three identities
 * (anonymous, an ordinary user, an administrator with a verified ADMIN_EMAILS address), a fake
 * origin that records what reached it, and the audit callback's calls.
 */
import { expect } from "vitest";
import { memoryStores, type MemoryStores } from "../../src/adapters/memory/index.js";
import { createAuth } from "../../src/core/create-auth.js";
import { pbkdf2Hasher } from "../../src/credentials/password/index.js";
import type { RouteAudit, RouteAuthorizationOptions, RouteDenial, RouteRule } from "../../src/runtimes/access/index.js";
import { adminEmailCheck } from "../../worker/admin-emails.js";
import { createGateway, type Gateway } from "../../worker/gateway.js";

export const GW = "https://gw.example.test";
export const ORIGIN = "http://origin.internal";
export const JSON_ACCEPT = { accept: "application/json" };
export const ADMIN_EMAIL = "root@example.test";

export interface RouteFixture {
  gateway: Gateway;
  stores: MemoryStores;
  /** URLs the origin received, in order. */
  seen: string[];
  denials: RouteDenial[];
  /** Session cookies; `anonymous` is an empty header set. */
  as: { anonymous: HeadersInit; user: HeadersInit; admin: HeadersInit };
}

export async function routeFixture(
  rules: readonly RouteRule[],
  overrides: Partial<Omit<RouteAuthorizationOptions, "rules">> & { publicPaths?: readonly string[] } = {},
): Promise<RouteFixture> {
  const stores = memoryStores();
  const auth = createAuth({ stores, hasher: pbkdf2Hasher({ iterations: 1000 }) });
  const seen: string[] = [];
  const denials: RouteDenial[] = [];
  const audit: RouteAudit = overrides.audit ?? ((denial) => void denials.push(denial));
  const gateway = createGateway({
    auth,
    originUrl: ORIGIN,
    publicPaths: overrides.publicPaths ?? ["/favicon.ico", "/public/*"],
    routes: { ...overrides, rules, check: overrides.check ?? adminEmailCheck([ADMIN_EMAIL]), audit },
    async fetchOrigin(request) {
      seen.push(request.url);
      return Response.json({ ok: true });
    },
  });
  const user = await signUp(gateway, "someone@example.test");
  const admin = await signUp(gateway, ADMIN_EMAIL);
  // Sign-up does not verify addresses; the stand-in check only trusts verified ones.
  const adminUser = await stores.users.findByEmail(ADMIN_EMAIL);
  await stores.users.update(adminUser!.id, { emailVerified: true, updatedAt: new Date() });
  return { gateway, stores, seen, denials, as: { anonymous: {}, user: { cookie: user }, admin: { cookie: admin } } };
}

export async function signUp(gateway: Gateway, email: string): Promise<string> {
  const response = await gateway.fetch(
    new Request(`${GW}/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse battery", transport: "cookie" }),
    }),
  );
  expect(response.status).toBe(201);
  return response.headers.getSetCookie()[0]!.split(";")[0]!;
}
