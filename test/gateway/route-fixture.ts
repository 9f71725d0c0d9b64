/**
 * A gateway with route rules on memory stores, for the route-rule suites: the permission check
 * is the authorization engine (`authorizerCheck` over `createAuthorizer`, assignments in the
 * memory access store), as in the Worker. Identities: anonymous, an ordinary user (no role), an
 * administrator (the `admin` role, every permission) and an API key of the administrator scoped
 * to `admin:read`. A fake origin records what reached it; route denials are collected.
 */
import { expect } from "vitest";
import { memoryStores, type MemoryStores } from "../../src/adapters/memory/index.js";
import { auditToSink } from "../../src/authz/audit.js";
import { createAuthorizer, type Authorizer } from "../../src/authz/authorizer.js";
import type { PolicyDocument, RoleDefinition } from "../../src/authz/types.js";
import { cryptoRandom, systemClock } from "../../src/core/context.js";
import { createAuth } from "../../src/create-auth.js";
import { pbkdf2Hasher } from "../../src/credentials/password/index.js";
import { issueApiKey } from "../../src/credentials/api-key.js";
import type { AssignmentSource } from "../../src/ports/authorization.js";
import { authorizerCheck, type RouteAudit, type RouteAuthorizationOptions, type RouteDenial, type RouteRule } from "../../src/gateway/index.js";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import { emailPassword } from "../../src/credentials/password/index.js";

export const GW = "https://gw.example.test";
export const ORIGIN = "http://origin.internal";
export const JSON_ACCEPT = { accept: "application/json" };
export const ADMIN_EMAIL = "root@example.test";
export const USER_EMAIL = "someone@example.test";
/** The demo role of wrangler.toml: every permission. */
export const FIXTURE_ROLES: RoleDefinition[] = [{ id: "admin", permissions: ["*"], tenantId: null }];
/** What the administrator's API key may do, whatever the role allows. */
export const KEY_SCOPES = ["admin:read"];

export interface RouteFixture {
  gateway: Gateway;
  stores: MemoryStores;
  authorizer: Authorizer;
  /** URLs the origin received, in order. */
  seen: string[];
  /** Headers of the requests the origin received, in order. */
  seenHeaders: Headers[];
  denials: RouteDenial[];
  ids: { user: string; admin: string };
  /** Session cookies and the API key; `anonymous` is an empty header set. */
  as: { anonymous: HeadersInit; user: HeadersInit; admin: HeadersInit; adminKey: HeadersInit };
}

export interface RouteFixtureOptions extends Partial<Omit<RouteAuthorizationOptions, "rules">> {
  publicPaths?: readonly string[];
  /**
   * The engine's configuration (`policies` here are its ABAC documents, not route policies):
   * roles default to FIXTURE_ROLES; `assignments` replaces the memory access store as the
   * source the authorizer reads (the fixture's own writes still go to the store).
   */
  engine?: { roles?: readonly RoleDefinition[]; policies?: readonly PolicyDocument[]; assignments?: AssignmentSource };
  /** `settings.ipHeader`, handed to the check as well; none by default. */
  ipHeader?: string;
}

export async function routeFixture(rules: readonly RouteRule[], overrides: RouteFixtureOptions = {}): Promise<RouteFixture> {
  const stores = memoryStores();
  const auth = createAuth({ stores, plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })], settings: { ipHeader: overrides.ipHeader ?? null } });
  const authorizer = createAuthorizer({
    roles: overrides.engine?.roles ?? FIXTURE_ROLES,
    policies: overrides.engine?.policies ?? [],
    assignments: overrides.engine?.assignments ?? stores.access,
    audit: auditToSink(stores.audit),
  });
  const seen: string[] = [];
  const seenHeaders: Headers[] = [];
  const denials: RouteDenial[] = [];
  const audit: RouteAudit = overrides.audit ?? ((denial) => void denials.push(denial));
  const { publicPaths, engine: _engine, ipHeader: _ipHeader, ...routeOverrides } = overrides;
  const gateway = createGateway({
    auth,
    originUrl: ORIGIN,
    publicPaths: publicPaths ?? ["/favicon.ico", "/public/*"],
    routes: { ...routeOverrides, rules, check: overrides.check ?? authorizerCheck(authorizer, { ipHeader: auth.settings.ipHeader }), audit },
    async fetchOrigin(request) {
      seen.push(request.url);
      seenHeaders.push(request.headers);
      return Response.json({ ok: true });
    },
  });
  const user = await signUp(gateway, USER_EMAIL);
  const admin = await signUp(gateway, ADMIN_EMAIL);
  const userId = (await stores.users.findByEmail(USER_EMAIL))!.id;
  const adminId = (await stores.users.findByEmail(ADMIN_EMAIL))!.id;
  // Outside any tenant, like the sessions of users without a membership.
  await stores.access.updateAssignments(adminId, null, { addRoles: ["admin"] });
  const { key } = await issueApiKey(stores.apiKeys, { ownerId: adminId, tenantId: null, name: "fixture", scopes: KEY_SCOPES, env: "test" }, { clock: systemClock, random: cryptoRandom });
  return {
    gateway,
    stores,
    authorizer,
    seen,
    seenHeaders,
    denials,
    ids: { user: userId, admin: adminId },
    as: { anonymous: {}, user: { cookie: user }, admin: { cookie: admin }, adminKey: { authorization: `Bearer ${key}` } },
  };
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
