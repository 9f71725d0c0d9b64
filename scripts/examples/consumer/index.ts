/**
 * Imports every public subpath, so `tsc` loads (and with skipLibCheck off, checks) every
 * declaration file the package publishes. Generated from package.json "exports"; a test keeps
 * them in step (test/package/consumer-fixture.node.test.ts).
 */
import * as p_root from "portcullis";
import * as p_password from "portcullis/password";
import * as p_oauth from "portcullis/oauth";
import * as p_email_links from "portcullis/email-links";
import * as p_mail from "portcullis/mail";
import * as p_admin from "portcullis/admin";
import * as p_authz from "portcullis/authz";
import * as p_gateway from "portcullis/gateway";
import * as p_hono from "portcullis/hono";
import * as p_next from "portcullis/next";
import * as p_node from "portcullis/node";
import * as p_worker from "portcullis/worker";
import * as p_adapters_memory from "portcullis/adapters/memory";
import * as p_adapters_d1 from "portcullis/adapters/d1";
import * as p_adapters_sqlite from "portcullis/adapters/sqlite";
import * as p_adapters_postgres from "portcullis/adapters/postgres";
import * as p_adapters_redis from "portcullis/adapters/redis";
import * as p_adapters_upstash from "portcullis/adapters/upstash";
import * as p_adapters_cloudflare_kv from "portcullis/adapters/cloudflare-kv";
import * as p_adapters_durable_object from "portcullis/adapters/durable-object";
import * as p_adapters_postgres_migrate from "portcullis/adapters/postgres/migrate";
import * as p_adapters_faulty from "portcullis/adapters/faulty";
import * as p_testing from "portcullis/testing";

export const modules = [p_root, p_password, p_oauth, p_email_links, p_mail, p_admin, p_authz, p_gateway, p_hono, p_next, p_node, p_worker, p_adapters_memory, p_adapters_d1, p_adapters_sqlite, p_adapters_postgres, p_adapters_redis, p_adapters_upstash, p_adapters_cloudflare_kv, p_adapters_durable_object, p_adapters_postgres_migrate, p_adapters_faulty, p_testing] as const;

// A few uses, so inference runs through the public types and not only the import.
const auth = p_root.createAuth({
  stores: p_adapters_memory.memoryStores(),
  plugins: [p_password.emailPassword({ hasher: p_password.argon2idHasher() })],
  settings: { publicOrigin: "https://app.example.com" },
});
export async function who(request: Request): Promise<string | null> {
  const result = await auth.authenticate(request);
  if (!result.authenticated) return null;
  return result.principal.type === "user" ? result.principal.email : result.principal.name;
}
export const middleware = p_next.nextAuthMiddleware(auth, { publicPaths: ["/"] });
export const listener = p_node.toNodeHandler(auth.handle);
