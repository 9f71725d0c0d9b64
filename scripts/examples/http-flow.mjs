/**
 * What a person does with a browser, over plain HTTP: open a protected page, get sent to the
 * sign-in page, sign up with the form, land on the page signed in, sign out. The client behaves
 * like a browser where Portcullis looks: a cookie jar, `Accept: text/html` on navigations, and
 * `Origin` + `Sec-Fetch-Site` on form posts.
 */
import assert from "node:assert/strict";

export class Browserish {
  constructor(base, { origin = new URL(base).origin, site = "same-origin", headers = {} } = {}) {
    this.base = base;
    this.origin = origin;
    this.site = site;
    this.headers = headers;
    this.jar = new Map();
  }

  cookieHeader() {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  keep(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (value === "" || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }

  async navigate(path) {
    const headers = { accept: "text/html,application/xhtml+xml,*/*;q=0.8", "sec-fetch-site": "none", ...this.headers };
    if (this.jar.size > 0) headers.cookie = this.cookieHeader();
    return this.keep(await fetch(new URL(path, this.base), { redirect: "manual", headers }));
  }

  async submit(path, fields, overrides = {}) {
    const headers = {
      accept: "text/html,*/*;q=0.8",
      "content-type": "application/x-www-form-urlencoded",
      origin: this.origin,
      "sec-fetch-site": this.site,
      ...this.headers,
      ...overrides,
    };
    for (const [name, value] of Object.entries(headers)) if (value === null) delete headers[name];
    if (this.jar.size > 0) headers.cookie = this.cookieHeader();
    return this.keep(await fetch(new URL(path, this.base), { method: "POST", redirect: "manual", headers, body: new URLSearchParams(fields).toString() }));
  }
}

/** The path (and query) a redirect points to, whatever form of Location the server chose. */
export function redirectPath(response, base) {
  const location = response.headers.get("location");
  assert.ok(location, `expected a redirect, got ${response.status}`);
  const url = new URL(location, base);
  return url.pathname + url.search;
}

/**
 * sign-up -> protected page -> sign-out, as a browser would, against `base`. `protectedPath` is
 * a page behind the sign-in; `expectOnPage` tells the signed-in page apart.
 */
export async function signUpFlow(base, { protectedPath = "/dashboard", email, password = "correct horse battery staple" } = {}) {
  const browser = new Browserish(base);
  const steps = [];
  const step = (name) => steps.push(name);

  let response = await browser.navigate(protectedPath);
  assert.equal(response.status, 303, `signed out, ${protectedPath} should redirect to sign-in`);
  const signIn = redirectPath(response, base);
  assert.equal(signIn, `/auth/sign-in?return=${encodeURIComponent(protectedPath)}`);
  step("signed out: 303 to the sign-in page");

  response = await browser.navigate(signIn);
  assert.equal(response.status, 200);
  assert.match(await response.text(), /<form[^>]+action="\/auth\/sign-in"/);
  response = await browser.navigate(`/auth/sign-up?return=${encodeURIComponent(protectedPath)}`);
  assert.equal(response.status, 200);
  assert.match(await response.text(), /action="\/auth\/sign-up"/);
  step("the sign-in and sign-up pages are served (GET 200 HTML)");

  response = await browser.submit("/auth/sign-up", { email, password, name: "Ada", return: protectedPath });
  assert.equal(response.status, 303, `sign-up form: ${response.status} ${await response.text()}`);
  assert.equal(redirectPath(response, base), protectedPath);
  assert.ok(browser.jar.size > 0, "sign-up sets the session cookie");
  step("sign-up form: 303 back, session cookie set");

  response = await browser.navigate(protectedPath);
  assert.equal(response.status, 200, `signed in, ${protectedPath} should answer 200`);
  const page = await response.text();
  assert.ok(page.includes(email), `the protected page names ${email}`);
  step("the protected page shows who is signed in");

  const cookieBefore = browser.cookieHeader();
  response = await browser.submit("/auth/sign-out", {});
  assert.equal(response.status, 303);
  assert.equal(redirectPath(response, base).split("?")[0], "/auth/sign-in");
  assert.equal(browser.jar.size, 0, "sign-out clears the cookie");
  step("sign-out form: 303 to sign-in, cookie cleared");

  const stale = new Browserish(base);
  stale.jar = new Map(cookieBefore.split("; ").map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
  response = await stale.navigate(protectedPath);
  assert.equal(response.status, 303, "the old session cookie no longer works");
  step("the ended session's cookie is refused");

  response = await fetch(new URL("/auth/sign-in", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(response.status, 200, "signing in again (JSON API) verifies the stored hash");
  step("JSON sign-in with the same password: 200");
  return steps;
}

/**
 * CSRF through a TLS-terminating proxy: `proxied` is the proxy's address, `publicOrigin` what the
 * browser has in its address bar (neither is the app's own request.url). A same-origin form post
 * must be accepted, a cross-site one refused, and (with PUBLIC_ORIGIN set on the app) a post from
 * a browser without Fetch Metadata too.
 */
export async function proxiedFormFlow(proxied, publicOrigin, { email }) {
  const steps = [];
  const browser = new Browserish(proxied, { origin: publicOrigin, site: "same-origin" });
  let response = await browser.submit("/auth/sign-up", { email, password: "correct horse battery staple", return: "/dashboard" });
  assert.equal(response.status, 303, `same-origin form post through the proxy: ${response.status}`);
  assert.ok(browser.jar.size > 0);
  steps.push("through a proxy: a same-origin form post is accepted");

  const older = new Browserish(proxied, { origin: publicOrigin, site: null });
  response = await older.submit("/auth/sign-in", { email, password: "correct horse battery staple", return: "/dashboard" }, { "sec-fetch-site": null });
  assert.equal(response.status, 303, `a post without Fetch Metadata from the public origin (PUBLIC_ORIGIN set): ${response.status}`);
  steps.push("through a proxy: without Sec-Fetch-Site, Origin = PUBLIC_ORIGIN is accepted");

  for (const [origin, site] of [
    ["https://evil.example", "cross-site"],
    ["https://evil.example", null],
    ["https://sub.app.example.com", "same-site"],
  ]) {
    const attacker = new Browserish(proxied, { origin, site });
    response = await attacker.submit("/auth/sign-up", { email: `victim-${site ?? "none"}@example.com`, password: "correct horse battery staple" }, site === null ? { "sec-fetch-site": null } : {});
    assert.equal(response.status, 403, `a ${site ?? "metadata-less"} post from ${origin} must be refused, got ${response.status}`);
    assert.equal(response.headers.getSetCookie().length, 0);
  }
  steps.push("through a proxy: cross-site, same-site and foreign-Origin posts are refused (403)");
  return steps;
}
