/**
 * Route-rule compilation and matching (src/gateway/route-rules.ts, route-pattern.ts).
 * Runs in Node and workerd. SECURITY.md bug classes: `//path` bypassing path rules, skip-auth
 * rules matched against the query string, configuration errors that fail open.
 */
import { describe, expect, test } from "vitest";
import { ConfigurationError } from "../../src/core/errors.js";
import { compileRouteRules, type RouteMatch, type RouteRule } from "../../src/gateway/index.js";

/** Which rule (by its declared path + requirement) a request matches, or "none"/"ambiguous". */
function winner(match: RouteMatch): string {
  if (match.kind !== "rule") return match.kind;
  const { requirement } = match.rule;
  return requirement.kind === "permission" ? requirement.permission : `policy:${requirement.policy}`;
}

describe("pattern syntax", () => {
  const matcher = compileRouteRules([
    { path: "/", permission: "home:read" },
    { path: "/favicon.ico", permission: "icon:read" },
    { path: "/admin/*", permission: "admin:read" },
    { path: "/docs/:id", permission: "docs:read" },
    { path: "/docs/:id/history/:rev", permission: "history:read" },
  ]);
  const cases: Array<[string, string]> = [
    ["/", "home:read"],
    ["/favicon.ico", "icon:read"],
    ["/favicon.ico/x", "none"],
    ["/favicon", "none"],
    ["/admin", "admin:read"],
    ["/admin/", "admin:read"],
    ["/admin/x", "admin:read"],
    ["/admin/x/y/z", "admin:read"],
    ["/administrator", "none"],
    ["/admins/x", "none"],
    ["/docs/42", "docs:read"],
    ["/docs/42/", "docs:read"],
    ["/docs", "none"],
    ["/docs/42/x", "none"],
    ["/docs/42/history/7", "history:read"],
    ["/docs/42/history", "none"],
  ];
  test.each(cases)("%s -> %s", (path, expected) => {
    expect(winner(matcher.match("GET", path))).toBe(expected);
  });

  test(":param values come from the normalised path, original case, encoding kept", () => {
    const match = matcher.match("GET", "/DOCS/Report%20Q1;v=2/History/%37");
    expect(match.kind).toBe("rule");
    if (match.kind !== "rule") return;
    expect(match.params).toEqual({ id: "Report%20Q1", rev: "7" });
  });

  test("/* matches every path, root included", () => {
    const all = compileRouteRules([{ path: "/*", policy: "authenticated" }]);
    for (const path of ["/", "/x", "/x/y/z", "//x"]) expect(winner(all.match("DELETE", path)), path).toBe("policy:authenticated");
  });

  test("no rules: nothing matches and nothing is ambiguous", () => {
    const none = compileRouteRules([]);
    expect(none.match("GET", "/admin%2Fx").kind).toBe("none");
    expect(none.match("GET", "/admin").kind).toBe("none");
  });
});

describe("precedence: most specific wins, declaration order does not matter", () => {
  const rules: RouteRule[] = [
    { path: "/*", permission: "site:any" },
    { path: "/docs/*", permission: "docs:any" },
    { path: "/docs/:id", permission: "docs:read" },
    { path: "/docs/special", permission: "special:read" },
    { path: "/docs/special/*", permission: "special:any" },
    { path: "/docs/:id/edit", permission: "docs:edit" },
    { path: "/:org/settings", permission: "org:settings" },
    { path: "/admin/*", permission: "admin:any" },
    { method: "GET", path: "/reports/annual", policy: "authenticated" },
    { path: "/reports/*", permission: "reports:admin" },
    { method: ["POST", "PUT"], path: "/items/:id", permission: "items:write" },
    { path: "/items/:id", permission: "items:other" },
  ];
  const cases: Array<[string, string, string]> = [
    ["GET", "/docs/42", "docs:read"], // :param beats the /docs/* prefix
    ["GET", "/docs/special", "special:read"], // literal beats :param, exact beats prefix
    ["GET", "/docs/special/edit", "special:any"], // literal "special" at segment 2 beats :id
    ["GET", "/docs/42/edit", "docs:edit"],
    ["GET", "/docs/42/other", "docs:any"], // backtracks to the /docs/* prefix
    ["GET", "/docs", "docs:any"], // /docs/* covers /docs itself
    ["GET", "/admin/settings", "admin:any"], // literal "admin" beats :org at segment 1
    ["GET", "/acme/settings", "org:settings"],
    ["GET", "/elsewhere", "site:any"],
    ["GET", "/", "site:any"],
    ["GET", "/reports/annual", "policy:authenticated"],
    ["HEAD", "/reports/annual", "policy:authenticated"],
    // No POST rule on /reports/annual: the next most specific pattern decides.
    ["POST", "/reports/annual", "reports:admin"],
    ["GET", "/reports/monthly", "reports:admin"],
    ["PUT", "/items/1", "items:write"], // a named method beats "*" on the same pattern
    ["DELETE", "/items/1", "items:other"],
  ];
  test.each(cases)("%s %s -> %s", (method, path, expected) => {
    expect(winner(compileRouteRules(rules).match(method, path))).toBe(expected);
  });

  test("the same answers for every declaration order", () => {
    const orders = [rules, [...rules].reverse(), [...rules.slice(5), ...rules.slice(0, 5)], [...rules].sort((a, b) => a.path.localeCompare(b.path))];
    for (const order of orders) {
      const matcher = compileRouteRules(order);
      for (const [method, path, expected] of cases) expect(winner(matcher.match(method, path)), `${method} ${path}`).toBe(expected);
    }
  });
});

describe("methods", () => {
  const matcher = compileRouteRules([
    { method: "GET", path: "/admin/*", permission: "admin:read" },
    { path: "/ops/*", permission: "ops:all" },
    { method: ["patch", "Delete"], path: "/things/:id", permission: "things:write" },
  ]);

  test("a GET rule covers HEAD (HEAD is matched as GET)", () => {
    expect(winner(matcher.match("HEAD", "/admin/x"))).toBe("admin:read");
    expect(winner(matcher.match("head", "/admin/x"))).toBe("admin:read");
  });

  test("a GET rule does not cover POST", () => {
    expect(winner(matcher.match("POST", "/admin/x"))).toBe("none");
  });

  test.each(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "patch", "PROPFIND", "x-custom"])("* covers %s", (method) => {
    expect(winner(matcher.match(method, "/ops/deploy"))).toBe("ops:all");
  });

  test("method names are case-insensitive in rules and requests (fetch keeps a custom 'patch' lower-case)", () => {
    expect(winner(matcher.match("patch", "/things/1"))).toBe("things:write");
    expect(winner(matcher.match("PATCH", "/things/1"))).toBe("things:write");
    expect(winner(matcher.match("delete", "/things/1"))).toBe("things:write");
    expect(winner(matcher.match("GET", "/things/1"))).toBe("none");
  });

  test("a rule listing HEAD covers GET too (HEAD is folded into GET)", () => {
    const head = compileRouteRules([{ method: "HEAD", path: "/x", permission: "x:read" }]);
    expect(winner(head.match("GET", "/x"))).toBe("x:read");
  });
});

describe("case handling", () => {
  test("case-insensitive by default: /ADMIN is /admin, and upper-case patterns match lower-case paths", () => {
    const matcher = compileRouteRules([
      { path: "/admin/*", permission: "admin:read" },
      { path: "/Reports/Q1", permission: "reports:read" },
    ]);
    for (const path of ["/ADMIN/x", "/Admin/X", "/aDmIn"]) expect(winner(matcher.match("GET", path)), path).toBe("admin:read");
    expect(winner(matcher.match("GET", "/reports/q1"))).toBe("reports:read");
  });

  test("caseSensitive: true compares letters exactly (RFC 3986)", () => {
    const matcher = compileRouteRules([{ path: "/admin/*", permission: "admin:read" }], { caseSensitive: true });
    expect(winner(matcher.match("GET", "/admin/x"))).toBe("admin:read");
    expect(winner(matcher.match("GET", "/ADMIN/x"))).toBe("none");
  });

  test("patterns that differ only in case clash when matching is case-insensitive", () => {
    expect(() => compileRouteRules([{ path: "/admin", permission: "a:b" }, { path: "/ADMIN", permission: "c:d" }])).toThrow(/same path and method as rule #0/);
    expect(() => compileRouteRules([{ path: "/admin", permission: "a:b" }, { path: "/ADMIN", permission: "c:d" }], { caseSensitive: true })).not.toThrow();
  });
});

describe("validation at start-up (ConfigurationError, never a rule that protects nothing)", () => {
  const bad: Array<[string, unknown]> = [
    ["relative path", { path: "admin/*", permission: "a:b" }],
    ["not a string", { path: 42, permission: "a:b" }],
    ["missing path", { permission: "a:b" }],
    ["* in the middle", { path: "/a/*/b", permission: "a:b" }],
    ["* glued to a segment", { path: "/a*", permission: "a:b" }],
    ["**", { path: "/a/**", permission: "a:b" }],
    ["trailing slash", { path: "/admin/", permission: "a:b" }],
    ["double slash", { path: "//admin", permission: "a:b" }],
    ["double slash before *", { path: "//*", permission: "a:b" }],
    ["dot segment", { path: "/a/../admin", permission: "a:b" }],
    ["single dot segment", { path: "/./admin", permission: "a:b" }],
    ["encoded unreserved letter", { path: "/%61dmin", permission: "a:b" }],
    ["encoded slash", { path: "/admin%2Fx", permission: "a:b" }],
    ["lower-case hex", { path: "/caf%c3%a9", permission: "a:b" }],
    ["query string", { path: "/admin?x=1", permission: "a:b" }],
    ["fragment", { path: "/admin#x", permission: "a:b" }],
    ["backslash", { path: "/admin\\x", permission: "a:b" }],
    ["path parameter", { path: "/admin;x=1", permission: "a:b" }],
    ["empty param name", { path: "/docs/:", permission: "a:b" }],
    ["bad param name", { path: "/docs/:1d", permission: "a:b" }],
    ["repeated param", { path: "/a/:id/b/:id", permission: "a:b" }],
    ["neither permission nor policy", { path: "/a" }],
    ["both permission and policy", { path: "/a", permission: "a:b", policy: "authenticated" }],
    ["permission without action", { path: "/a", permission: "admin" }],
    ["permission with spaces", { path: "/a", permission: "admin: read" }],
    ["permission with two colons", { path: "/a", permission: "a:b:c" }],
    ["permission not a string", { path: "/a", permission: true }],
    ["wildcard permission (routes ask for one concrete permission)", { path: "/a", permission: "docs:*" }],
    ["permission *", { path: "/a", permission: "*" }],
    ["permission segment over 64 characters", { path: "/a", permission: `${"r".repeat(65)}:read` }],
    ["typo in a key", { path: "/a", permision: "a:b", policy: "authenticated" }],
    ["methods instead of method", { methods: ["GET"], path: "/a", permission: "a:b" }],
    ["empty method list", { method: [], path: "/a", permission: "a:b" }],
    ["* inside a method list", { method: ["GET", "*"], path: "/a", permission: "a:b" }],
    ["method with a space", { method: "GET POST", path: "/a", permission: "a:b" }],
    ["method not a string", { method: 1, path: "/a", permission: "a:b" }],
    ["rule not an object", "GET /admin"],
    ["null rule", null],
  ];
  test.each(bad)("%s", (_label, rule) => {
    expect(() => compileRouteRules([rule as RouteRule])).toThrow(ConfigurationError);
  });

  test("messages name the rule", () => {
    expect(() => compileRouteRules([{ path: "/ok", permission: "a:b" }, { method: "GET", path: "/a/*/b", permission: "a:b" }])).toThrow(/route rule #1 \(GET \/a\/\*\/b\)/);
  });

  test("rules that clash (same pattern, overlapping method) are refused", () => {
    expect(() => compileRouteRules([{ method: ["GET", "POST"], path: "/a", permission: "a:b" }, { method: "POST", path: "/a", permission: "c:d" }])).toThrow(ConfigurationError);
    expect(() => compileRouteRules([{ path: "/a", permission: "a:b" }, { method: "*", path: "/a", permission: "c:d" }])).toThrow(ConfigurationError);
    expect(() => compileRouteRules([{ path: "/docs/:id", permission: "a:b" }, { path: "/docs/:slug", permission: "c:d" }])).toThrow(ConfigurationError);
    expect(() => compileRouteRules([{ method: "HEAD", path: "/a", permission: "a:b" }, { method: "GET", path: "/a", permission: "c:d" }])).toThrow(ConfigurationError);
  });

  test("the same base as exact and prefix, or * beside named methods, is not a clash", () => {
    expect(() =>
      compileRouteRules([
        { path: "/a", permission: "a:b" },
        { path: "/a/*", permission: "c:d" },
        { method: "GET", path: "/a", permission: "e:f" },
      ]),
    ).not.toThrow();
  });

  test("unknown policies are refused when the caller says which exist", () => {
    expect(() => compileRouteRules([{ path: "/a", policy: "nope" }], { isKnownPolicy: (name) => name === "authenticated" })).toThrow(/policy "nope" is not defined/);
  });

  test("not an array", () => {
    expect(() => compileRouteRules({ path: "/a" } as unknown as RouteRule[])).toThrow(ConfigurationError);
  });
});
