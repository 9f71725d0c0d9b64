/**
 * The access decision shared by the gateway and the Next helper. Runs in Node and workerd.
 * Requirement ids: ASVS 5.0 V3 (redirect allowlists, cookies), SECURITY.md bug classes
 * (open redirects, `//path` bypasses, skip-auth rules matched on the query string,
 * client-sent internal headers).
 */
import { describe, expect, test } from "vitest";
import { ConfigurationError } from "../../src/core/errors.js";
import {
  IDENTITY_HEADERS,
  encodeHeaderValue,
  isBrowserNavigation,
  normalizePath,
  publicPathMatcher,
  parseList,
  removeSessionCredentials,
  safeReturnPath,
  stripIdentityHeaders,
  unauthenticatedResponse,
  withIdentityHeaders,
} from "../../src/gateway/index.js";

const ORIGIN = "https://app.example.test";

describe("safeReturnPath (ASVS V3 redirect allowlist: open redirects through return/next/callbackUrl)", () => {
  const rejected: Array<[string, unknown]> = [
    ["scheme-relative", "//evil.test"],
    ["scheme-relative with path", "//evil.test/path"],
    ["triple slash", "///evil.test"],
    ["slash backslash", "/\\evil.test"],
    ["backslash backslash", "\\\\evil.test"],
    ["backslash slash", "\\/evil.test"],
    ["scheme without slashes", "https:evil.test"],
    ["absolute http", "http://evil.test"],
    ["absolute https", "https://evil.test/x"],
    ["absolute same origin (only relative paths survive)", `${ORIGIN}/account`],
    ["javascript:", "javascript:alert(1)"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["userinfo", "//user@evil.test"],
    ["userinfo with credentials", "//user:pass@evil.test/"],
    ["userinfo after good host", "https://app.example.test@evil.test/"],
    ["encoded slashes", "/%2F%2Fevil.test"],
    ["encoded slashes lower case", "/%2f%2fevil.test"],
    ["encoded backslash", "/%5Cevil.test"],
    ["encoded backslash lower case", "/%5cevil.test"],
    ["double-encoded slashes", "/%252F%252Fevil.test"],
    ["triple-encoded slashes", "/%25252F%25252Fevil.test"],
    ["tab inside (browsers strip it)", "/\t/evil.test"],
    ["newline inside", "/\n/evil.test"],
    ["carriage return", "/\r/evil.test"],
    ["NUL", "/\u0000/evil.test"],
    ["DEL", "/\u007f/evil.test"],
    ["encoded tab", "/%09/evil.test"],
    ["encoded newline (header injection)", "/x%0d%0aSet-Cookie:%20a=b"],
    ["leading space", " /account"],
    ["leading tab", "\t//evil.test"],
    ["dot segment to scheme-relative", "/.//evil.test"],
    ["parent segment to scheme-relative", "/..//evil.test"],
    ["encoded dot segment to scheme-relative", "/%2e//evil.test"],
    ["encoded parent then encoded slashes", "/..%2F%2Fevil.test"],
    ["malformed percent-encoding", "/100%"],
    ["malformed percent-encoding 2", "/%E0%A4%A"],
    ["empty", ""],
    ["relative without slash", "account"],
    ["dot", "."],
    ["query only", "?next=/x"],
    ["fragment only", "#x"],
    ["too long", "/" + "a".repeat(5000)],
    ["not a string (array from a repeated param)", ["/a", "/b"]],
    ["null", null],
    ["undefined", undefined],
    ["number", 42],
  ];
  test.each(rejected)("%s -> /", (_label, candidate) => {
    expect(safeReturnPath(candidate, ORIGIN)).toBe("/");
  });

  const kept: Array<[string, string, string]> = [
    ["root", "/", "/"],
    ["path", "/account", "/account"],
    ["path and query", "/search?q=hello&page=2", "/search?q=hello&page=2"],
    ["query with a URL value stays in the query", "/go?to=https://evil.test", "/go?to=https://evil.test"],
    ["fragment", "/docs#install", "/docs#install"],
    ["dot segments resolved", "/a/b/../c", "/a/c"],
    ["at sign in path stays on our host", "/@evil.test", "/@evil.test"],
    ["encoded single slash mid-path", "/files/a%2Fb", "/files/a%2Fb"],
    ["non-ASCII is percent-encoded (safe in Location)", "/café", "/caf%C3%A9"],
  ];
  test.each(kept)("%s survives", (_label, candidate, expected) => {
    expect(safeReturnPath(candidate, ORIGIN)).toBe(expected);
  });

  test("a garbage origin never throws", () => {
    expect(safeReturnPath("/account", "not a url")).toBe("/");
  });

  test("every result is a header-safe same-origin path", () => {
    for (const [, candidate] of rejected) {
      const result = safeReturnPath(candidate, ORIGIN);
      expect(new URL(result, ORIGIN).origin).toBe(ORIGIN);
    }
    for (const [, candidate] of kept) {
      const result = safeReturnPath(candidate, ORIGIN);
      expect(() => new Headers({ location: result })).not.toThrow();
      expect(new URL(result, ORIGIN).origin).toBe(ORIGIN);
    }
  });
});

describe("normalizePath", () => {
  test.each([
    ["/public/x", "/public/x"],
    ["//public/x", "/public/x"],
    ["/public//x", "/public/x"],
    ["/%70ublic/x", "/public/x"],
    ["/%70%75%62%6C%69%63/x", "/public/x"],
    ["/a/../public/x", "/public/x"],
    ["/a/./b/../../public/x", "/public/x"],
    ["/%2e%2e/public/x", "/public/x"],
    ["/a/%2E%2E/public/x", "/public/x"],
    ["/../../public/x", "/public/x"],
    ["/public/", "/public/"],
    ["/public/x/..", "/public/"],
    ["/", "/"],
    ["/x%20y", "/x%20y"],
    ["/x%c3%a9", "/x%C3%A9"],
  ])("%s -> %s", (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
  });

  test.each([
    ["encoded slash", "/public%2F..%2Fprivate"],
    ["encoded backslash", "/public/..%5Cprivate"],
    ["double encoding", "/public/%252e%252e/private"],
    ["encoded semicolon", "/public/..%3B/private"],
    ["Tomcat path parameter", "/public/..;/private"],
    ["dot path parameter", "/public/.;x/private"],
    ["encoded NUL", "/public/%00"],
    ["raw backslash", "/public\\x"],
    ["control character", "/public/\tx"],
    ["malformed escape", "/public/%zz"],
    ["query string passed by mistake", "/private?x=/public/"],
    ["fragment passed by mistake", "/private#/public/"],
    ["relative", "public/x"],
  ])("ambiguous (%s) -> null", (_label, input) => {
    expect(normalizePath(input)).toBeNull();
  });
});

describe("publicPathMatcher", () => {
  const isPublic = publicPathMatcher(["/favicon.ico", "/public/*", "/docs/intro"]);
  // Concatenated, not resolved: new URL("//public/x", base) would read "public" as a host.
  const pathOf = (raw: string): string => new URL(ORIGIN + raw).pathname;

  test.each(["/public/x", "//public/x", "/%70ublic/x", "/a/../public/x", "/public", "/public/", "/public/a/b/c.css", "/favicon.ico", "/docs/intro"])(
    "%s is public (as a raw path and as parsed by URL)",
    (raw) => {
      expect(isPublic(raw)).toBe(true);
      expect(isPublic(pathOf(raw))).toBe(true);
    },
  );

  test.each([
    "/private",
    "/publicity",
    "/public.html",
    "/PUBLIC/x",
    "/favicon.ico/x",
    "/docs/intro/secret",
    "/docs",
    "/public%2F..%2Fprivate",
    "/public/..;/private",
    "/public/%252e%252e/admin",
  ])("%s is not public", (raw) => {
    expect(isPublic(raw)).toBe(false);
    expect(isPublic(pathOf(raw))).toBe(false);
  });

  test("the query string never decides (skip-auth rules matched on the query)", () => {
    const url = new URL("/private?x=/public/", ORIGIN);
    expect(url.pathname).toBe("/private");
    expect(isPublic(url.pathname)).toBe(false);
    expect(isPublic("/private?x=/public/")).toBe(false);
    expect(isPublic(new URL("/private?/public/x", ORIGIN).pathname)).toBe(false);
    expect(isPublic(new URL("/private#/public/x", ORIGIN).pathname)).toBe(false);
  });

  test("bad patterns fail at start-up", () => {
    expect(() => publicPathMatcher(["public/*"])).toThrow(ConfigurationError);
    expect(() => publicPathMatcher(["/public*"])).toThrow(ConfigurationError);
    expect(() => publicPathMatcher(["/*/x"])).toThrow(ConfigurationError);
    expect(() => publicPathMatcher(["//public/*"])).toThrow(ConfigurationError);
    expect(() => publicPathMatcher(["/a/../public/*"])).toThrow(ConfigurationError);
    expect(() => publicPathMatcher(["/public//*"])).toThrow(ConfigurationError);
  });

  test("parseList reads a comma-separated variable", () => {
    expect(parseList(" /favicon.ico, /public/* ,,")).toEqual(["/favicon.ico", "/public/*"]);
    expect(parseList(undefined)).toEqual([]);
  });
});

describe("identity headers (SECURITY.md: middleware skipped by a client-sent internal header)", () => {
  const principal = { type: "user" as const, id: "u_1", email: "ada@example.test", emailVerified: false, name: "Zoë 李 100%", tenantId: null };
  const session = {
    id: "s",
    userId: "u_1",
    tenantId: null as string | null,
    createdAt: new Date("2026-01-01T00:00:00Z"),
    expiresAt: new Date("2026-01-31T00:00:00Z"),
    idleExpiresAt: new Date("2026-01-08T00:00:00Z"),
    amr: ["pwd"],
    ip: null,
    userAgent: null,
  };

  function spoofed(): Headers {
    const headers = new Headers();
    headers.set("X-Portcullis-User-Id", "admin");
    headers.set("x-PORTCULLIS-email", "admin@example.test");
    headers.set("x-portcullis-role", "root");
    headers.set("X-Portcullis-", "empty suffix");
    headers.set("x-middleware-subrequest", "middleware:middleware:middleware:middleware:middleware");
    headers.set("X-Middleware-Subrequest-Id", "kept: a different header");
    headers.set("x-portcullisx", "kept: no dash after the prefix");
    headers.set("accept", "text/html");
    return headers;
  }

  test("strips every x-portcullis-* (any case) and x-middleware-subrequest, keeps the rest", () => {
    const stripped = stripIdentityHeaders(spoofed());
    const names = [...stripped.keys()];
    expect(names.filter((name) => name.startsWith("x-portcullis-"))).toEqual([]);
    expect(stripped.has("x-middleware-subrequest")).toBe(false);
    expect(stripped.get("x-middleware-subrequest-id")).toBe("kept: a different header");
    expect(stripped.get("x-portcullisx")).toBe("kept: no dash after the prefix");
    expect(stripped.get("accept")).toBe("text/html");
  });

  test("does not mutate its input (request headers may be immutable)", () => {
    const input = spoofed();
    stripIdentityHeaders(input);
    expect(input.get("x-portcullis-user-id")).toBe("admin");
  });

  test("replaces spoofed values with the real identity", () => {
    const headers = withIdentityHeaders(spoofed(), { principal, session });
    expect(headers.get(IDENTITY_HEADERS.userId)).toBe("u_1");
    expect(headers.get(IDENTITY_HEADERS.email)).toBe("ada@example.test");
    expect(headers.get(IDENTITY_HEADERS.emailVerified)).toBe("false");
    expect(headers.get(IDENTITY_HEADERS.sessionExpires)).toBe("2026-01-31T00:00:00.000Z");
    expect(headers.get(IDENTITY_HEADERS.authMethods)).toBe("pwd");
    expect(headers.get("x-portcullis-role")).toBeNull();
    expect(headers.has("x-middleware-subrequest")).toBe(false);
  });

  test("names are percent-encoded outside printable ASCII and decode back exactly", () => {
    const headers = withIdentityHeaders(new Headers(), { principal, session });
    const raw = headers.get(IDENTITY_HEADERS.name)!;
    expect(raw).toBe("Zo%C3%AB %E6%9D%8E 100%25");
    expect(decodeURIComponent(raw)).toBe(principal.name);
    expect(encodeHeaderValue("a\r\nb")).toBe("a%0D%0Ab");
    expect(encodeHeaderValue("\ud800")).toBe("%EF%BF%BD");
  });

  test("the session's tenant is forwarded; without one a spoofed tenant header is still removed", () => {
    const spoof = spoofed();
    spoof.set("x-portcullis-tenant-id", "someone-else");
    expect(withIdentityHeaders(spoof, { principal, session }).has(IDENTITY_HEADERS.tenantId)).toBe(false);
    const inTenant = withIdentityHeaders(spoof, { principal: { ...principal, tenantId: "acme" }, session: { ...session, tenantId: "acme" } });
    expect(inTenant.get(IDENTITY_HEADERS.tenantId)).toBe("acme");
  });

  test("no name means no name header, even if the client sent one", () => {
    const headers = withIdentityHeaders(spoofed(), { principal: { ...principal, name: null }, session });
    expect(headers.has(IDENTITY_HEADERS.name)).toBe(false);
  });

  test("anonymous: stripped, nothing set", () => {
    const headers = withIdentityHeaders(spoofed(), null);
    expect([...headers.keys()].some((name) => name.startsWith("x-portcullis-"))).toBe(false);
  });
});

describe("removeSessionCredentials (the token never reaches the application)", () => {
  const cookieName = "__Host-portcullis";

  test.each([
    ["only the session cookie", "__Host-portcullis=tok", null],
    ["first", "__Host-portcullis=tok; theme=dark", "theme=dark"],
    ["middle", "a=1; __Host-portcullis=tok; b=2", "a=1; b=2"],
    ["last, no space", "a=1;__Host-portcullis=tok", "a=1"],
    ["twice", "__Host-portcullis=one; a=1; __Host-portcullis=two", "a=1"],
    ["comma-joined duplicate header", "a=1, __Host-portcullis=tok; b=2", "b=2"],
    ["similar names are kept", "__Host-portcullis2=x; portcullis=y; x__Host-portcullis=z", "__Host-portcullis2=x; portcullis=y; x__Host-portcullis=z"],
    ["empty value", "__Host-portcullis=; a=1", "a=1"],
  ])("%s", (_label, cookie, expected) => {
    const headers = removeSessionCredentials(new Headers({ cookie }), { cookieName, source: "cookie" });
    expect(headers.get("cookie")).toBe(expected);
  });

  test("bearer source removes Authorization; cookie source keeps it", () => {
    const input = new Headers({ authorization: "Bearer abc", cookie: "a=1" });
    expect(removeSessionCredentials(input, { cookieName, source: "bearer" }).has("authorization")).toBe(false);
    expect(removeSessionCredentials(input, { cookieName, source: "cookie" }).get("authorization")).toBe("Bearer abc");
    expect(input.get("authorization")).toBe("Bearer abc");
  });
});

describe("anonymous callers", () => {
  const options = { signInPath: "/auth/sign-in" };
  const browser = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

  test("browser navigation -> 303 to sign-in with path+query as return", () => {
    const response = unauthenticatedResponse(new Request(`${ORIGIN}/reports/2026?tab=q1`, { headers: browser }), options);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/auth/sign-in?return=%2Freports%2F2026%3Ftab%3Dq1");
  });

  test("a scheme-relative request path is not carried into return", () => {
    const response = unauthenticatedResponse(new Request(`${ORIGIN}//evil.test/x`, { headers: browser }), options);
    expect(response.headers.get("location")).toBe("/auth/sign-in?return=%2F");
  });

  test.each([
    ["API call", "GET", { accept: "application/json" }],
    ["no Accept", "GET", {}],
    ["POST from a browser", "POST", browser],
    ["fetch with */*", "GET", { accept: "*/*" }],
  ])("%s -> 401 JSON unauthenticated", async (_label, method, headers) => {
    const request = new Request(`${ORIGIN}/api/data`, { method, headers });
    expect(isBrowserNavigation(request)).toBe(false);
    const response = unauthenticatedResponse(request, options);
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("unauthenticated");
  });

  test("HEAD navigation redirects too", () => {
    expect(isBrowserNavigation(new Request(`${ORIGIN}/`, { method: "HEAD", headers: browser }))).toBe(true);
  });
});
