#!/usr/bin/env node
/**
 * npm run admin -- <command> [options]: role assignments and tenant memberships written straight
 * to the gateway's D1 database. It exists for the FIRST administrator, whom the admin API cannot
 * make (its routes need an administrator); everything after that belongs in the admin API, which
 * checks the caller's own permissions.
 *
 * It goes through the same D1 store code as the Worker (src/adapters/d1, loaded with tsx), over
 * wrangler's getPlatformProxy: prepared statements only, no SQL built from strings.
 *
 *   local (default)  the database `npm start` and `wrangler dev` use: .wrangler/state, or the
 *                    directory given to `wrangler dev --persist-to` (pass the same --persist-to);
 *   --remote         the deployed database, through a wrangler remote binding (needs
 *                    `wrangler login` or CLOUDFLARE_API_TOKEN, and the real database_id in
 *                    wrangler.toml). The statements are the same prepared ones.
 *
 * Node-only on purpose, and nothing in worker/ imports it: it never reaches the Worker bundle.
 * Exit codes: 0 done (or nothing to change), 1 refused or failed, 2 bad usage.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  assign-role  --email <e> --role <id> [--tenant <t>]   attach a role (outside any tenant unless --tenant)
  remove-role  --email <e> --role <id> [--tenant <t>]   detach it
  add-member   --email <e> --tenant <t>                 make the user a member of a tenant
  show         --email <e>                              memberships and roles

Options:
  --persist-to <dir>  local state directory, as given to \`wrangler dev --persist-to\`
                      (default: .wrangler/state, what \`npm start\` uses)
  --config <file>     wrangler configuration (default: wrangler.toml)
  --remote            the deployed D1 database instead of the local one
  --help

Roles are those defined in ROLES (wrangler.toml [vars]). A role with --tenant needs a membership
there first (add-member). Role changes apply to the next request; a new membership applies to
sessions started after it (sign in again).`;

/** A refusal with a message for the operator: exit 1, no stack trace. */
class Refusal extends Error {}
/** A usage mistake: exit 2, with the usage text. */
class UsageError extends Error {}

const COMMANDS = {
  "assign-role": { needs: ["email", "role"], run: changeRole("assign") },
  "remove-role": { needs: ["email", "role"], run: changeRole("remove") },
  "add-member": { needs: ["email", "tenant"], run: addMember },
  show: { needs: ["email"], run: show },
};

/** Ids the admin API accepts for tenants (src/admin/input.ts `Id`): printable ASCII, no spaces. */
const TENANT_ID = /^[\x21-\x7e]{1,128}$/;

export async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        email: { type: "string" },
        role: { type: "string" },
        tenant: { type: "string" },
        "persist-to": { type: "string" },
        config: { type: "string" },
        remote: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "name a command" : `one command at a time, got: ${positionals.join(" ")}`);
  const command = COMMANDS[positionals[0]];
  if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(positionals[0])}`);
  for (const name of command.needs) if (values[name] === undefined || values[name].trim() === "") throw new UsageError(`${positionals[0]} needs --${name}`);
  if (values.tenant !== undefined && !TENANT_ID.test(values.tenant)) throw new UsageError("--tenant must be 1 to 128 printable ASCII characters without spaces");
  if (values.remote && values["persist-to"] !== undefined) throw new UsageError("--persist-to is for the local database; leave it out with --remote");

  const lib = await loadLibrary();
  let email;
  try {
    email = lib.normalizeEmail(values.email);
  } catch {
    throw new Refusal(`${JSON.stringify(values.email)} is not a valid email address`);
  }
  const configPath = path.resolve(values.config ?? path.join(root, "wrangler.toml"));
  const { env, dispose, where } = await openDatabase(configPath, values);
  try {
    const stores = lib.d1CoreStores(env.DB);
    const user = await findUser(stores, email, where);
    await command.run({ lib, env, stores, user, email, role: values.role, tenant: values.tenant ?? null, where });
  } finally {
    await dispose();
  }
}

/** The TypeScript sources the Worker uses, so the CLI writes exactly what the Worker reads. */
async function loadLibrary() {
  const { tsImport } = await import("tsx/esm/api");
  const load = (file) => tsImport(pathToFileURL(path.join(root, file)).href, import.meta.url);
  const [d1, policy, authorizer] = await Promise.all([load("src/adapters/d1/index.ts"), load("src/core/email.ts"), load("src/authz/authorizer.ts")]);
  return { d1CoreStores: d1.d1CoreStores, normalizeEmail: policy.normalizeEmail, createAuthorizer: authorizer.createAuthorizer };
}

async function openDatabase(configPath, values) {
  const { getPlatformProxy, unstable_readConfig: readConfig } = await import("wrangler");
  if (!values.remote) {
    // `wrangler dev --persist-to X` keeps its state in X/v3; without the flag X is .wrangler/state
    // beside the configuration, which is where `npm start` runs it.
    const persistTo = path.resolve(values["persist-to"] ?? path.join(path.dirname(configPath), ".wrangler", "state"));
    // Local variables as `wrangler dev` sees them (.dev.vars / .env may override ROLES).
    const proxy = await getPlatformProxy({ configPath, persist: { path: path.join(persistTo, "v3") }, remoteBindings: false });
    const shown = path.relative(process.cwd(), persistTo);
    return { env: proxy.env, dispose: () => proxy.dispose(), where: `the local database in ${shown === "" ? "." : shown.startsWith("..") ? persistTo : shown}` };
  }
  // Remote: the same configuration with the DB binding marked remote, in a temporary file, so
  // wrangler.toml (and `wrangler dev`) stay local.
  const config = readConfig({ config: configPath });
  const db = (config.d1_databases ?? []).find((binding) => binding.binding === "DB");
  if (db === undefined) throw new Refusal(`${configPath} has no D1 binding named DB`);
  if (db.database_id === undefined || /^0{8}-(0{4}-){3}0{12}$/.test(db.database_id)) {
    throw new Refusal("wrangler.toml still has the placeholder database_id: put the id of your D1 database there (wrangler d1 create portcullis)");
  }
  const dir = mkdtempSync(path.join(tmpdir(), "portcullis-admin-"));
  const remoteConfig = path.join(dir, "wrangler.json");
  writeFileSync(
    remoteConfig,
    JSON.stringify({
      name: config.name,
      compatibility_date: config.compatibility_date,
      vars: config.vars ?? {},
      d1_databases: [{ binding: "DB", database_name: db.database_name, database_id: db.database_id, remote: true }],
    }),
  );
  try {
    const proxy = await getPlatformProxy({ configPath: remoteConfig, persist: false, remoteBindings: true, envFiles: [] });
    return {
      env: proxy.env,
      dispose: async () => {
        await proxy.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
      where: `the remote database ${db.database_name} (${db.database_id})`,
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function findUser(stores, email, where) {
  let user;
  try {
    user = await stores.users.findByEmail(email);
  } catch (error) {
    if (/no such table/i.test(String(error?.cause?.message ?? error?.cause ?? ""))) {
      throw new Refusal(`${where} has no tables yet: run \`npm start\` (or \`npm run db:migrate:local\`) first, and sign up`);
    }
    throw error;
  }
  if (user === null) throw new Refusal(`no user with the email ${email} in ${where}: sign up first (the gateway's /auth/sign-up page), then run this again`);
  return user;
}

/** The role as the Worker would compile it from ROLES: defined, and usable in that tenant. */
function configuredRole(lib, env, roleId, tenantId) {
  let roles = [];
  if (typeof env.ROLES === "string" && env.ROLES.trim() !== "") {
    try {
      roles = JSON.parse(env.ROLES);
    } catch {
      throw new Refusal("ROLES in wrangler.toml is not JSON: the gateway would not start either");
    }
  }
  let authorizer;
  try {
    authorizer = lib.createAuthorizer({ roles, audit: async () => undefined });
  } catch (error) {
    throw new Refusal(`ROLES in wrangler.toml is invalid (the gateway would not start either): ${error.message}`);
  }
  const role = authorizer.role(roleId);
  if (role === null) {
    const known = roles.map((r) => r?.id).filter((id) => typeof id === "string");
    throw new Refusal(`no role ${JSON.stringify(roleId)} in ROLES (defined: ${known.length === 0 ? "none" : known.join(", ")})`);
  }
  if (role.tenantId !== null && role.tenantId !== tenantId) {
    throw new Refusal(`the role ${roleId} is defined for the tenant ${role.tenantId}: use --tenant ${role.tenantId}`);
  }
  return role;
}

function changeRole(direction) {
  return async ({ lib, env, stores, user, email, role: roleId, tenant, where }) => {
    if (direction === "assign") configuredRole(lib, env, roleId, tenant);
    if (direction === "assign" && tenant !== null && !(await stores.access.membershipsOf(user.id)).some((m) => m.tenantId === tenant)) {
      // As the admin API: access attaches to members only, so nothing waits for an outsider to join.
      throw new Refusal(`${email} is not a member of ${tenant}: run \`npm run admin -- add-member --email ${email} --tenant ${tenant}\` first`);
    }
    const scope = tenant === null ? "outside any tenant" : `in the tenant ${tenant}`;
    const holds = (await stores.access.assignmentsFor(user.id, tenant)).roleIds.includes(roleId);
    if (holds === (direction === "assign")) {
      console.log(`${email} ${direction === "assign" ? "already holds" : "does not hold"} the role ${roleId} ${scope}; nothing changed.`);
      return;
    }
    const forward = direction === "assign" ? { addRoles: [roleId] } : { removeRoles: [roleId] };
    const backward = direction === "assign" ? { removeRoles: [roleId] } : { addRoles: [roleId] };
    await stores.access.updateAssignments(user.id, tenant, forward);
    await auditOrUndo(stores, direction === "assign" ? "admin.role_assigned" : "admin.role_unassigned", { principalId: user.id, roleId, tenantId: tenant }, () =>
      stores.access.updateAssignments(user.id, tenant, backward),
    );
    console.log(`${direction === "assign" ? "Assigned" : "Removed"} the role ${roleId} ${direction === "assign" ? "to" : "from"} ${email} (${user.id}) ${scope}, in ${where}.`);
    console.log(`It applies from the next request${tenant === null ? " made outside any tenant" : ` in ${tenant}`}; no new sign-in needed.`);
  };
}

async function addMember({ stores, user, email, tenant, where }) {
  const memberships = await stores.access.membershipsOf(user.id);
  if (memberships.some((m) => m.tenantId === tenant)) {
    console.log(`${email} is already a member of ${tenant}; nothing changed.`);
    return;
  }
  await stores.access.addMember({ principalId: user.id, tenantId: tenant, createdAt: new Date() });
  await auditOrUndo(stores, "admin.member_added", { principalId: user.id, tenantId: tenant }, () => stores.access.removeMember(user.id, tenant));
  console.log(`Added ${email} (${user.id}) to the tenant ${tenant}, in ${where}.`);
  if (memberships.length === 0) console.log(`Sessions started from now on act in ${tenant}: sign in again. Roles held outside any tenant no longer apply to them.`);
  else console.log(`Sessions keep acting in the oldest membership (${memberships[0].tenantId}); ${tenant} is not used by sign-in yet.`);
}

async function show({ stores, user, email, where }) {
  const memberships = await stores.access.membershipsOf(user.id);
  console.log(`${email} (${user.id}) in ${where}`);
  console.log(`  memberships: ${memberships.length === 0 ? "none (sessions act outside any tenant)" : memberships.map((m) => m.tenantId).join(", ")}`);
  for (const tenantId of [null, ...memberships.map((m) => m.tenantId)]) {
    const held = await stores.access.assignmentsFor(user.id, tenantId);
    const grants = held.grants.map((g) => `${g.effect} ${g.permission}`);
    console.log(`  ${tenantId === null ? "outside any tenant" : `in ${tenantId}`}: roles ${held.roleIds.join(", ") || "none"}${grants.length === 0 ? "" : `; grants ${grants.join(", ")}`}`);
  }
}

/**
 * As the admin API does: the change is recorded in the audit table (actor "cli": the operator
 * with database access) or undone, so the trail never misses how the first administrator came to be.
 */
async function auditOrUndo(stores, type, detail, undo) {
  const id = () => randomBytes(12).toString("base64url");
  try {
    await stores.audit.write({
      id: id(),
      type,
      outcome: "success",
      reason: "ok",
      at: new Date(),
      requestId: id(),
      userId: null,
      sessionRef: null,
      ip: null,
      userAgent: null,
      detail: { actorType: "cli", ...detail },
    });
  } catch (error) {
    await undo().catch(() => undefined);
    throw new Refusal(`the audit event could not be written, so the change was undone: ${error.message}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    await main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`admin: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (error instanceof Refusal) {
      console.error(`admin: ${error.message}`);
      process.exitCode = 1;
    } else {
      console.error(`admin: failed: ${error?.message ?? error}${error?.cause?.message ? ` (${error.cause.message})` : ""}`);
      process.exitCode = 1;
    }
  }
}
