/**
 * `nextAuthMiddleware({ routes })`: the gateway's per-route rules in a Next.js middleware /
 * proxy, decided by the authorization engine through `authorizerCheck`. Plain Web types, no
 * Next server (see next.test.ts). Runs in Node and workerd.
 */
import { describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { auditToSink } from "../../src/authz/audit.js";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import { createAuth } from "../../src/create-auth.js";
import { ConfigurationError } from "../../src/core/errors.js";
import { pbkdf2Hasher } from "../../src/credentials/password/index.js";
import type { AssignmentSource } from "../../src/ports/authorization.js";
import { auditRouteDenials, authorizerCheck, IDENTITY_HEADERS, nextAuthMiddleware, type RouteRule } from "../../src/runtimes/next.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const APP = "https://next.example.test";
const RULES: RouteRule[] = [
  { method: "GET", path: "/admin/*", permission: "admin:read" },
  { path: "/internal/*", policy: "deny" },
];

async function setup(options: { assignments?: AssignmentSource } = {}) {
  const stores = memoryStores();
  const auth = createAuth({ stores, plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })], settings: { ipHeader: "x-real-ip" } });
  const authorizer = createAuthorizer({
    roles: [{ id: "admin", permissions: ["admin:*"], tenantId: null }],
    assignments: options.assignments ?? stores.access,
    audit: auditToSink(stores.audit),
  });
  const forwarded: Headers[] = [];
  const middleware = nextAuthMiddleware(auth, {
    publicPaths: ["/", "/public/*"],
    signInPath: "/login",
    forward: (headers) => {
      forwarded.push(headers);
      return new Response(null, { headers: { "x-middleware-next": "1" } });
    },
    routes: { rules: RULES, check: authorizerCheck(authorizer, { ipHeader: "x-real-ip" }), audit: auditRouteDenials(stores.audit, { ipHeader: "x-real-ip" }) },
  });
  const signUp = await auth.handle(
    new Request(`${APP}/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "grace@example.test", password: "correct horse battery" }),
    }),
  );
  expect(signUp.status).toBe(201);
  const cookie = signUp.headers.getSetCookie()[0]!.split(";")[0]!;
  const userId = ((await signUp.json()) as { user: { id: string } }).user.id;
  return { stores, middleware, forwarded, cookie, userId };
}

describe("nextAuthMiddleware with routes + authorizerCheck", () => {
  test("no role: 403 on a rule-protected path (other paths continue); a role in the access store: continue", async () => {
    const { stores, middleware, forwarded, cookie, userId } = await setup();
    const denied = await middleware(new Request(`${APP}//ADMIN/users`, { headers: { cookie } }));
    expect(denied?.status).toBe(403);
    expect(((await denied!.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    expect(forwarded).toHaveLength(0);

    expect((await middleware(new Request(`${APP}/dashboard`, { headers: { cookie } })))?.headers.get("x-middleware-next")).toBe("1");

    await stores.access.updateAssignments(userId, null, { addRoles: ["admin"] });
    const allowed = await middleware(new Request(`${APP}/admin/users`, { headers: { cookie } }));
    expect(allowed?.headers.get("x-middleware-next")).toBe("1");
    expect(forwarded.at(-1)!.get(IDENTITY_HEADERS.userId)).toBe(userId);
    // The role does not outrank a deny policy.
    expect((await middleware(new Request(`${APP}/internal/x`, { headers: { cookie } })))?.status).toBe(403);
  });

  test("denials are audited by the engine (authorize) and by the route audit (route_denied)", async () => {
    const { stores, middleware, cookie } = await setup();
    await middleware(new Request(`${APP}/admin/users?q=secret`, { headers: { cookie, "x-real-ip": "203.0.113.7" } }));
    const types = stores.audit.events.map((e) => [e.type, e.reason, e.ip]);
    expect(types).toContainEqual(["authorize", "default_deny", "203.0.113.7"]);
    expect(types).toContainEqual(["route_denied", "forbidden", "203.0.113.7"]);
    expect(JSON.stringify(stores.audit.events)).not.toContain("secret");
  });

  test("anonymous: the browser goes to sign-in (absolute Location), the API client gets 401; the sign-in page stays public", async () => {
    const { middleware } = await setup();
    const page = await middleware(new Request(`${APP}/admin/users`, { headers: { accept: "text/html" } }));
    expect(page?.status).toBe(303);
    expect(page?.headers.get("location")).toBe(`${APP}/login?return=%2Fadmin%2Fusers`);
    expect((await middleware(new Request(`${APP}/admin/users`)))?.status).toBe(401);
    expect((await middleware(new Request(`${APP}/login`)))?.headers.get("x-middleware-next")).toBe("1");
  });

  test("a failing assignment store: 503, never continue", async () => {
    const broken: AssignmentSource = { consistency: "atomic", assignmentsFor: () => Promise.reject(new Error("down")) };
    const { middleware, forwarded, cookie } = await setup({ assignments: broken });
    const response = await middleware(new Request(`${APP}/admin/users`, { headers: { cookie } }));
    expect(response?.status).toBe(503);
    expect(forwarded).toHaveLength(0);
  });

  test("bad rules are a ConfigurationError when the middleware is built", () => {
    const auth = createAuth({ stores: memoryStores(), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    const check = authorizerCheck(createAuthorizer({ audit: async () => undefined }));
    expect(() => nextAuthMiddleware(auth, { routes: { rules: [{ path: "/admin/**", permission: "admin:read" }], check } })).toThrow(ConfigurationError);
    expect(() => nextAuthMiddleware(auth, { routes: { rules: [{ path: "/auth/*", permission: "admin:read" }], check } })).toThrow(ConfigurationError);
  });
});
