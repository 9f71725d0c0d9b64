import Database from "better-sqlite3";
import { Hono } from "hono";
import { createAuth } from "portcullis";
import { migrateSQLite, sqliteStores } from "portcullis/adapters/sqlite";
import { mountAuth, portcullis, requireAuth, type PortcullisEnv } from "portcullis/hono";
import { argon2idHasher, emailPassword } from "portcullis/password";

// One SQLite file holds users, credentials, sessions and the audit trail; the package's
// migrations create the tables (and are idempotent).
const db = new Database(process.env.DATABASE_PATH ?? "portcullis.sqlite");
migrateSQLite(db);

const password = emailPassword({ hasher: argon2idHasher() });

export const auth = createAuth({
  stores: sqliteStores(db),
  plugins: [password],
  settings: { publicOrigin: process.env.PUBLIC_ORIGIN ?? null },
});

export const app = new Hono<PortcullisEnv>();

// /auth/*: the sign-in and sign-up pages and the JSON API.
mountAuth(app, auth, { pages: { passwordMinLength: password.policy.minLength } });
// Every other route knows who is calling (c.get("principal"), null when signed out).
app.use("*", portcullis(auth));

app.get("/", (c) => c.html(`<h1>Portcullis + Hono</h1><p><a href="/dashboard">Open the dashboard</a></p>`));

app.get("/dashboard", (c) => {
  const principal = c.get("principal");
  if (principal === null || principal.type !== "user") {
    return c.redirect(`/auth/sign-in?return=${encodeURIComponent(c.req.path)}`, 303);
  }
  return c.html(
    `<h1>Dashboard</h1><p>Signed in as <strong id="email">${escape(principal.email)}</strong></p>` +
      `<form method="post" action="/auth/sign-out"><button type="submit">Sign out</button></form>`,
  );
});

// An API route: 401 JSON for anonymous callers.
app.get("/api/me", requireAuth(), (c) => c.json(c.get("principal")));

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
