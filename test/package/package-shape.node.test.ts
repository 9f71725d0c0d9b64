/**
 * The published package's shape, checked without building it: every subpath has types and a
 * default target under dist/, the Worker and Edge builds of portcullis/password are wired to the
 * conditions their runtimes set, drivers are optional peers, and the fixtures that prove the
 * tarball (scripts/examples) cover every subpath and the current version.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  version: string;
  exports: Record<string, string | Record<string, string>>;
  files: string[];
  sideEffects: boolean;
  engines: { node: string };
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional: boolean }>;
};

describe("package.json", () => {
  test("every subpath names its types first and a dist/ JavaScript default", () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (subpath === "./package.json") continue;
      expect(typeof target, subpath).toBe("object");
      const conditions = target as Record<string, string>;
      expect(Object.keys(conditions)[0], subpath).toBe("types");
      expect(conditions.types, subpath).toMatch(/^\.\/dist\/.+\.d\.ts$/);
      expect(conditions.default, subpath).toMatch(/^\.\/dist\/.+\.js$/);
      expect(Object.keys(conditions).at(-1), subpath).toBe("default");
    }
  });

  test("portcullis/password: workerd and edge-light get the precompiled-module build, the rest the embedded bytes", () => {
    const password = pkg.exports["./password"] as Record<string, string>;
    expect(password.workerd).toBe("./dist/credentials/password/edge.js");
    expect(password["edge-light"]).toBe("./dist/credentials/password/edge.js");
    expect(password.default).toBe("./dist/credentials/password/index.js");
    // Next's Edge runtime also matches "browser": it must never come before edge-light.
    expect(Object.keys(password)).not.toContain("browser");
  });

  test("drivers and frameworks are optional peers, never dependencies; nothing is built on install", () => {
    for (const name of ["drizzle-orm", "hono", "better-sqlite3", "@upstash/redis", "postgres", "vitest"]) {
      expect(pkg.dependencies[name], name).toBeUndefined();
    }
    for (const name of Object.keys(pkg.peerDependencies)) expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["@noble/hashes", "jose", "valibot"]);
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe(">=20.19");
    expect(pkg.files).toEqual(expect.arrayContaining(["dist", "migrations", "README.md", "CHANGELOG.md"]));
  });
});

describe("the fixtures that prove the tarball", () => {
  test("the consumer fixture imports every public subpath", () => {
    const fixture = readFileSync(path.join(root, "scripts/examples/consumer/index.ts"), "utf8");
    for (const subpath of Object.keys(pkg.exports)) {
      if (subpath === "./package.json") continue;
      const specifier = subpath === "." ? "portcullis" : `portcullis/${subpath.slice(2)}`;
      expect(fixture, specifier).toContain(`from "${specifier}";`);
    }
  });

  test("every example depends on this version of portcullis", () => {
    const folders = readdirSync(path.join(root, "examples"), { withFileTypes: true }).filter((entry) => entry.isDirectory());
    expect(folders.map((f) => f.name).sort()).toEqual(["bun", "deno", "hono", "nextjs", "nextjs-edge", "node", "worker"]);
    for (const folder of [...folders.map((f) => path.join("examples", f.name)), "scripts/examples/consumer"]) {
      const manifest = JSON.parse(readFileSync(path.join(root, folder, "package.json"), "utf8")) as { dependencies: Record<string, string> };
      expect(manifest.dependencies.portcullis, folder).toBe(pkg.version);
    }
  });

  test("the CHANGELOG has an entry for this version", () => {
    expect(readFileSync(path.join(root, "CHANGELOG.md"), "utf8")).toMatch(new RegExp(`^## ${pkg.version.replace(/\./g, "\\.")}\\b`, "m"));
  });
});
