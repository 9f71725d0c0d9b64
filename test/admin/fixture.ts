/**
 * The admin API over memory stores, a frozen clock and one authorizer reading the access
 * store, with people signed in through the real routes (their sessions carry their tenant).
 */
import { faulty, type MethodName } from "../../src/adapters/faulty.js";
import { memoryStores } from "../../src/adapters/memory/index.js";
import { adminApi } from "../../src/admin/index.js";
import { auditToSink } from "../../src/authz/audit.js";
import { createAuthorizer, type Authorizer } from "../../src/authz/authorizer.js";
import type { RoleDefinition } from "../../src/authz/types.js";
import { createAuth, type Auth } from "../../src/create-auth.js";
import { fixedClock } from "../../src/core/context.js";
import type { AuditEvent } from "../../src/ports/audit-sink.js";
import { cookieFrom, fastHasher, request, START } from "../helpers/harness.js";
import { emailPassword } from "../../src/credentials/password/index.js";

export const ROLES: RoleDefinition[] = [
  { id: "super", permissions: ["*"], tenantId: null },
  // Administers access, but only hands out what it holds: doc:* and the admin verbs.
  { id: "access-admin", permissions: ["portcullis.access:read", "portcullis.role:*", "portcullis.grant:*", "portcullis.member:*", "doc:*"], tenantId: null },
  { id: "editor", permissions: ["doc:read", "doc:write"], tenantId: null },
  { id: "billing", permissions: ["invoice:*"], tenantId: null },
  { id: "acme-reader", permissions: ["doc:read"], tenantId: "acme" },
  { id: "globex-reader", permissions: ["doc:read"], tenantId: "globex" },
  { id: "key-user", permissions: ["portcullis.api_key:create", "portcullis.api_key:read", "portcullis.api_key:revoke"], tenantId: null },
  { id: "key-manager", permissions: ["portcullis.api_key:*", "doc:*"], tenantId: null },
  { id: "sa-creator", permissions: ["portcullis.service_account:create"], tenantId: null },
];

/** A store whose chosen methods can be broken (StorageError) and healed during a test. */
export function switchable<T extends object>(store: T): { store: T; fail(methods?: readonly MethodName<T>[]): void; heal(): void } {
  let broken: T | null = null;
  const proxy = new Proxy(store, {
    get(_target, property) {
      const current = broken ?? store;
      const value: unknown = Reflect.get(current, property, current);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
  return {
    store: proxy,
    fail: (methods) => {
      broken = faulty(store, methods === undefined ? { mode: "throw" } : { mode: "throw", methods });
    },
    heal: () => {
      broken = null;
    },
  };
}

export interface Person {
  id: string;
  email: string;
  cookie: string;
}

export type Fixture = Awaited<ReturnType<typeof makeFixture>>;

export async function makeFixture(options: { path?: string; ipHeader?: string | null; authorizer?: (base: Parameters<typeof createAuthorizer>[0]) => Authorizer } = {}) {
  const base = memoryStores();
  const audit = switchable(base.audit);
  const access = switchable(base.access);
  const stores = { ...base, audit: audit.store, access: access.store };
  const clock = fixedClock(START);
  const authzOptions = { roles: ROLES, assignments: stores.access, audit: auditToSink(stores.audit, { clock }), clock };
  const authorizer = options.authorizer?.(authzOptions) ?? createAuthorizer(authzOptions);
  const adminOptions: Parameters<typeof adminApi>[0] = { authorizer };
  if (options.path !== undefined) adminOptions.path = options.path;
  if (options.ipHeader !== undefined) adminOptions.ipHeader = options.ipHeader;
  const auth: Auth = createAuth({ stores, clock, plugins: [emailPassword({ hasher: fastHasher() }), adminApi(adminOptions)] });
  const prefix = "/auth" + (options.path ?? "/admin");

  /** Signs up, joins `tenantId` (if any), gets `roles` there, then signs in so the session acts in that tenant. */
  async function person(email: string, tenantId: string | null, roles: string[] = [], grants: { id: string; permission: string; effect: "allow" | "deny" }[] = []): Promise<Person> {
    const password = "correct horse battery";
    const up = await auth.handle(request("/auth/sign-up", { body: { email, password, name: email.split("@")[0] } }));
    if (up.status !== 201) throw new Error(`sign-up failed: ${up.status} ${await up.text()}`);
    const id = ((await up.json()) as { user: { id: string } }).user.id;
    if (tenantId !== null) await base.access.addMember({ principalId: id, tenantId, createdAt: clock.now() });
    if (roles.length > 0 || grants.length > 0) await base.access.updateAssignments(id, tenantId, { addRoles: roles, setGrants: grants });
    const inResponse = await auth.handle(request("/auth/sign-in", { body: { email, password } }));
    if (inResponse.status !== 200) throw new Error(`sign-in failed: ${inResponse.status}`);
    return { id, email, cookie: cookieFrom(inResponse) };
  }

  interface Call {
    as?: Person | { bearer: string } | null;
    body?: unknown;
    query?: Record<string, string>;
    headers?: Record<string, string>;
  }

  /** One admin request: `call("POST", "/roles/assign", { as: ada, body })`. */
  async function call(method: "GET" | "POST", route: string, options: Call = {}): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string; reason?: string } } }> {
    const query = options.query === undefined ? "" : "?" + new URLSearchParams(options.query).toString();
    const as = options.as ?? null;
    const response = await auth.handle(
      request(prefix + route + query, {
        method,
        body: options.body,
        headers: options.headers,
        ...(as === null ? {} : "bearer" in as ? { bearer: as.bearer } : { cookie: as.cookie }),
      }),
    );
    const text = await response.text();
    return { status: response.status, body: text === "" ? {} : JSON.parse(text) };
  }

  /** Admin events written so far (not sign-in / authorize ones). */
  const adminEvents = (): AuditEvent[] => base.audit.events.filter((event) => event.type.startsWith("admin."));

  return { auth, stores, base, audit, access, clock, authorizer, person, call, adminEvents, prefix };
}
