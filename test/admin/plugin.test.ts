import { describe, expect, test } from "vitest";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { adminApi } from "../../src/admin/index.js";
import { createAuthorizer } from "../../src/authz/authorizer.js";
import { createAuth } from "../../src/create-auth.js";
import { ConfigurationError } from "../../src/core/errors.js";
import { fastHasher } from "../helpers/harness.js";
import { makeFixture } from "./fixture.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const authorizer = createAuthorizer({ audit: async () => undefined });

describe("adminApi()", () => {
  test("a plugin with id admin that needs users, apiKeys and access", () => {
    const plugin = adminApi({ authorizer });
    expect(plugin.id).toBe("admin");
    expect(plugin.requires).toEqual({ users: "any", apiKeys: "any", access: "any" });
  });

  test("misconfiguration is a ConfigurationError at start-up", () => {
    expect(() => adminApi({} as never)).toThrow(ConfigurationError);
    expect(() => adminApi({ authorizer: { authorize: async () => ({}) } as never })).toThrow(ConfigurationError);
    for (const path of ["admin", "/admin/", "/", "/ad min", "//admin"]) expect(() => adminApi({ authorizer, path })).toThrow(ConfigurationError);
    expect(() => adminApi({ authorizer, ipHeader: " " })).toThrow(ConfigurationError);
    const { access: _none, ...stores } = memoryStores();
    expect(() => createAuth({ stores, plugins: [emailPassword({ hasher: fastHasher() }), adminApi({ authorizer })] })).toThrow(/requires the access store/);
  });

  test("the route table, under a custom path", async () => {
    const { auth, person } = await makeFixture({ path: "/manage" });
    const someone = await person("someone@acme.test", "acme");
    const table = [
      ["GET", "/access"],
      ["POST", "/roles/assign"],
      ["POST", "/roles/unassign"],
      ["POST", "/grants/set"],
      ["POST", "/grants/remove"],
      ["GET", "/members"],
      ["POST", "/members/add"],
      ["POST", "/members/remove"],
      ["POST", "/service-accounts"],
      ["GET", "/api-keys"],
      ["POST", "/api-keys"],
      ["POST", "/api-keys/revoke"],
    ] as const;
    for (const [method, route] of table) {
      const init: RequestInit = { method, headers: { cookie: someone.cookie } };
      if (method === "POST") Object.assign(init, { headers: { cookie: someone.cookie, "content-type": "application/json" }, body: "{}" });
      const res = await auth.handle(new Request(`https://app.example/auth/manage${route}`, init));
      // Reached the route (no 404 / 405): a validation or permission answer.
      expect([400, 403], `${method} ${route}`).toContain(res.status);
    }
    expect((await auth.handle(new Request("https://app.example/auth/admin/members"))).status).toBe(404);
  });

  test("CSRF is enforced on admin writes like on every route", async () => {
    const { auth, person, prefix } = await makeFixture();
    const someone = await person("someone@acme.test", "acme", ["super"]);
    const res = await auth.handle(
      new Request(`https://app.example${prefix}/members/add`, {
        method: "POST",
        headers: { cookie: someone.cookie, "content-type": "application/json", origin: "https://evil.example" },
        body: JSON.stringify({ principalId: someone.id }),
      }),
    );
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("csrf_rejected");
  });

  test("ipHeader feeds policies' environment.ip", async () => {
    const f = await makeFixture({
      ipHeader: "cf-connecting-ip",
      authorizer: (options) =>
        createAuthorizer({ ...options, policies: [{ id: "office-only", effect: "deny", actions: ["*"], condition: { not: { ipInCidr: [{ ref: "environment.ip" }, "10.0.0.0/8"] } } }] }),
    });
    const root = await f.person("root@acme.test", "acme", ["super"]);
    expect((await f.call("GET", "/members", { as: root, headers: { "cf-connecting-ip": "10.1.2.3" } })).status).toBe(200);
    expect((await f.call("GET", "/members", { as: root, headers: { "cf-connecting-ip": "203.0.113.9" } })).body.error).toMatchObject({ reason: "explicit_deny" });
  });
});
