/**
 * scripts/admin.mjs (`npm run admin`), the bootstrap CLI, against a local D1 in the layout
 * `wrangler dev --persist-to <dir>` uses (<dir>/v3): migrations applied by wrangler, a user
 * signed up through the real D1 stores, then the CLI run as a child process, and what it wrote
 * read back through the same stores. gateway.node.test.ts runs it once against a live
 * `wrangler dev`; this suite covers its refusals and edge cases without one. Node only.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getPlatformProxy } from "wrangler";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { d1CoreStores, type D1DatabaseLike } from "../../src/adapters/d1/index.js";
import { createAuth } from "../../src/create-auth.js";
import { pbkdf2Hasher } from "../../src/credentials/password/index.js";
import { emailPassword } from "../../src/credentials/password/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const cli = path.join(root, "scripts", "admin.mjs");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
// Printable ASCII the admin API accepts as a tenant id, with every character SQL string building trips on.
const ODD_TENANT = `o'hara";--x`;

let persistDir = "";
let userId = "";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? root, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const admin = (...args: string[]): Promise<Run> => run([cli, ...args, "--persist-to", persistDir]);

/** The local D1 in `persistDir`, through the same proxy the CLI uses; disposed after `use`. */
async function withDatabase<T>(use: (db: D1DatabaseLike) => Promise<T>): Promise<T> {
  const proxy = await getPlatformProxy<{ DB: D1DatabaseLike }>({ configPath: path.join(root, "wrangler.toml"), persist: { path: path.join(persistDir, "v3") }, remoteBindings: false, envFiles: [] });
  try {
    return await use(proxy.env.DB);
  } finally {
    await proxy.dispose();
  }
}

beforeAll(async () => {
  persistDir = mkdtempSync(path.join(tmpdir(), "portcullis-admin-cli-"));
  const migrated = await run([wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir]);
  if (migrated.code !== 0) throw new Error(`migrations failed:\n${migrated.stdout}${migrated.stderr}`);
  userId = await withDatabase(async (db) => {
    const auth = createAuth({ stores: d1CoreStores(db), plugins: [emailPassword({ hasher: pbkdf2Hasher({ iterations: 1000 }) })] });
    const response = await auth.handle(
      new Request("http://localhost/auth/sign-up", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "first@example.test", password: "correct horse battery" }),
      }),
    );
    expect(response.status).toBe(201);
    return ((await response.json()) as { user: { id: string } }).user.id;
  });
}, 60_000);

afterAll(() => {
  if (persistDir !== "") rmSync(persistDir, { recursive: true, force: true });
});

describe("npm run admin (scripts/admin.mjs) on the local D1", () => {
  test("usage mistakes exit 2 with the usage text", async () => {
    for (const args of [[], ["bogus"], ["assign-role", "--email", "first@example.test"], ["show", "--email", "a@example.test", "--nope"], ["add-member", "--email", "a@b.test", "--tenant", "has space"]]) {
      const result = await run([cli, ...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain("Usage: npm run admin");
    }
    const help = await run([cli, "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("assign-role  --email <e> --role <id> [--tenant <t>]");
  });

  test("an unknown user is refused clearly (exit 1), nothing written", async () => {
    const result = await admin("assign-role", "--email", "nobody@example.test", "--role", "admin");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no user with the email nobody@example.test");
    expect(result.stderr).toContain("sign up first");
    const invalid = await admin("show", "--email", "not-an-email");
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("is not a valid email address");
  }, 30_000);

  test("a role that ROLES does not define is refused, naming the defined ones", async () => {
    const result = await admin("assign-role", "--email", "first@example.test", "--role", "root");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no role "root" in ROLES (defined: admin)');
  }, 30_000);

  test("a role in a tenant needs a membership there first (as in the admin API)", async () => {
    const refused = await admin("assign-role", "--email", "first@example.test", "--role", "admin", "--tenant", ODD_TENANT);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is not a member of");
    expect(refused.stderr).toContain("add-member");

    const added = await admin("add-member", "--email", "first@example.test", "--tenant", ODD_TENANT);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain("sign in again");
    const again = await admin("add-member", "--email", "first@example.test", "--tenant", ODD_TENANT);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already a member");

    const assigned = await admin("assign-role", "--email", "first@example.test", "--role", "admin", "--tenant", ODD_TENANT);
    expect(assigned.code).toBe(0);
    await withDatabase(async (db) => {
      const access = d1CoreStores(db).access;
      expect((await access.membershipsOf(userId)).map((m) => m.tenantId)).toEqual([ODD_TENANT]);
      expect((await access.assignmentsFor(userId, ODD_TENANT)).roleIds).toEqual(["admin"]);
      expect((await access.assignmentsFor(userId, null)).roleIds).toEqual([]);
    });
  }, 60_000);

  test("assign-role outside any tenant (email normalised like sign-up), idempotent, audited with actor cli; remove-role undoes it", async () => {
    const assigned = await admin("assign-role", "--email", "  First@Example.TEST ", "--role", "admin");
    expect(assigned.code, assigned.stderr).toBe(0);
    expect(assigned.stdout).toContain(`Assigned the role admin to first@example.test (${userId}) outside any tenant`);
    const again = await admin("assign-role", "--email", "first@example.test", "--role", "admin");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already holds the role admin");

    const shown = await admin("show", "--email", "first@example.test");
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("outside any tenant: roles admin");

    await withDatabase(async (db) => {
      expect((await d1CoreStores(db).access.assignmentsFor(userId, null)).roleIds).toEqual(["admin"]);
      const rows = await db.prepare("SELECT type, user_id, detail FROM audit_events WHERE type LIKE 'admin.%' ORDER BY at").all();
      const events = (rows.results as Array<{ type: string; user_id: string | null; detail: string }>).map((r) => ({ type: r.type, userId: r.user_id, detail: JSON.parse(r.detail) as Record<string, unknown> }));
      expect(events.map((e) => e.type)).toEqual(["admin.member_added", "admin.role_assigned", "admin.role_assigned"]);
      expect(events.at(-1)).toEqual({ type: "admin.role_assigned", userId: null, detail: { actorType: "cli", principalId: userId, roleId: "admin", tenantId: null } });
    });

    const removed = await admin("remove-role", "--email", "first@example.test", "--role", "admin");
    expect(removed.code).toBe(0);
    await withDatabase(async (db) => {
      expect((await d1CoreStores(db).access.assignmentsFor(userId, null)).roleIds).toEqual([]);
    });
  }, 90_000);

  test("--remote refuses the placeholder database_id before contacting anything", async () => {
    const result = await run([cli, "assign-role", "--email", "first@example.test", "--role", "admin", "--remote"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("placeholder database_id");
    const both = await run([cli, "show", "--email", "first@example.test", "--remote", "--persist-to", persistDir]);
    expect(both.code).toBe(2);
  }, 30_000);
});
