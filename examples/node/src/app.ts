import { createAuth, type Principal } from "portcullis";
import { memoryStores } from "portcullis/adapters/memory";
import { accessPolicy, authPages } from "portcullis/gateway";
import { argon2idHasher, emailPassword } from "portcullis/password";

const password = emailPassword({ hasher: argon2idHasher() });

export const auth = createAuth({
  stores: memoryStores(),
  plugins: [password],
  settings: { publicOrigin: process.env.PUBLIC_ORIGIN ?? null },
});

// The sign-in and sign-up pages, and the decision for every other request.
const pages = authPages(auth, { passwordMinLength: password.policy.minLength });
const access = accessPolicy(auth, { publicPaths: ["/"] });

/** A Web fetch handler: Request in, Response out. */
export async function app(request: Request): Promise<Response> {
  const page = await pages.handle(request);
  if (page !== null) return page;
  const decision = await access.decide(request);
  switch (decision.kind) {
    case "auth":
      return auth.handle(request); // the JSON API under /auth
    case "deny":
      return decision.response; // 303 to sign-in for a browser, 401 for an API client, 503 if a store failed
    case "public":
      return html(`<h1>Portcullis on Node</h1><p><a href="/dashboard">Open the dashboard</a></p>`);
    case "allow":
      return dashboard(decision.result.principal);
  }
}

function dashboard(principal: Principal): Response {
  const who = principal.type === "user" ? principal.email : `API key ${principal.name}`;
  return html(
    `<h1>Dashboard</h1><p>Signed in as <strong id="email">${escape(who)}</strong></p>` +
      `<form method="post" action="/auth/sign-out"><button type="submit">Sign out</button></form>`,
  );
}

function html(body: string): Response {
  return new Response(`<!doctype html><meta charset="utf-8"><title>Portcullis</title>${body}`, {
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
