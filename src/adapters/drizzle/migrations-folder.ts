/**
 * NODE ONLY. Where the committed migrations live on disk, for the Node-only
 * migrators. Node built-ins come through `process.getBuiltinModule` (the project
 * compiles with `types: []`, no @types/node), like the argon2 and Redis leaves.
 */
interface NodeURL {
  fileURLToPath(url: URL): string;
}

/** Absolute path of `migrations/<dialect>` in this package. */
export function migrationsFolder(dialect: "sqlite" | "postgres"): string {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") {
    throw new Error("the SQL migrators run on Node >= 20.16 only; on Workers apply migrations with wrangler or drizzle-kit");
  }
  const url = proc.getBuiltinModule("node:url") as NodeURL;
  // This file is src/adapters/drizzle/; the migrations sit at the package root.
  return url.fileURLToPath(new URL(`../../../migrations/${dialect}`, import.meta.url));
}
