/**
 * What a reader of the tree should see (DESIGN.md "Layout"), kept true by a test rather than by
 * review: ports import only ports; core imports no feature; runtimes and worker/ reach the
 * library only through its public entry points; no module imports itself back in a cycle.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const src = path.join(root, "src");

function walk(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = path.join(folder, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith(".ts") && !full.endsWith(".d.ts") ? [full] : [];
  });
}

/** Relative imports of a file, resolved to .ts paths under src/ (comments ignored). */
function importsOf(file: string): string[] {
  const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  for (const match of code.matchAll(/(?:import|export)\s[^;]*?from\s*["']([^"']+)["']/g)) {
    const specifier = match[1]!;
    if (specifier.startsWith(".")) found.push(path.resolve(path.dirname(file), specifier).replace(/\.js$/, ".ts"));
    else found.push(specifier);
  }
  return found;
}

const files = walk(src);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const rel = (file: string): string => path.relative(src, file);
const under = (file: string, folder: string): boolean => rel(file).startsWith(folder + path.sep);

/** The source file behind each package.json export (dist/x.js -> src/x.ts). */
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { exports: Record<string, string | Record<string, string>> };
const entryFiles = new Set(
  Object.values(pkg.exports)
    .flatMap((target) => (typeof target === "string" ? [target] : Object.values(target)))
    .filter((target) => target.startsWith("./dist/") && target.endsWith(".js"))
    .map((target) => path.join(root, target.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"))),
);

describe("layering", () => {
  test("ports/ imports nothing but ports/", () => {
    const offenders = files.filter((f) => under(f, "ports")).flatMap((f) => graph.get(f)!.filter((dep) => !dep.startsWith(path.join(src, "ports") + path.sep)).map((dep) => `${rel(f)} -> ${dep.startsWith("/") ? rel(dep) : dep}`));
    expect(offenders).toEqual([]);
  });

  test("core/ imports only core/, ports/ and valibot: no credential, session strategy, gateway or runtime", () => {
    const offenders = files
      .filter((f) => under(f, "core"))
      .flatMap((f) =>
        graph
          .get(f)!
          .filter((dep) => (dep.startsWith("/") ? !under(dep, "core") && !under(dep, "ports") : dep !== "valibot"))
          .map((dep) => `${rel(f)} -> ${dep.startsWith("/") ? rel(dep) : dep}`),
      );
    expect(offenders).toEqual([]);
  });

  test("sessions/ and credentials/ never import the composition root, runtimes or the gateway", () => {
    const offenders = files
      .filter((f) => under(f, "sessions") || under(f, "credentials"))
      .flatMap((f) => graph.get(f)!.filter((dep) => dep.startsWith("/") && (rel(dep) === "create-auth.ts" || rel(dep) === "index.ts" || under(dep, "runtimes") || under(dep, "gateway"))).map((dep) => `${rel(f)} -> ${rel(dep)}`));
    expect(offenders).toEqual([]);
  });

  test("runtimes/ import the library only through its public entry points", () => {
    const offenders = files
      .filter((f) => under(f, "runtimes"))
      .flatMap((f) =>
        graph
          .get(f)!
          .filter((dep) => dep.startsWith("/") && !under(dep, "runtimes") && !entryFiles.has(dep))
          .map((dep) => `${rel(f)} -> ${rel(dep)}`),
      );
    expect(offenders).toEqual([]);
  });

  test("worker/ (the deployable Worker) imports only public subpaths of portcullis", () => {
    const worker = path.join(root, "worker", "index.ts");
    const deps = importsOf(worker);
    expect(deps.length).toBeGreaterThan(0);
    const subpath = (dep: string): string => (dep === "portcullis" ? "." : `./${dep.slice("portcullis/".length)}`);
    expect(deps.filter((dep) => !/^portcullis(\/[a-z-]+)*$/.test(dep) || !(subpath(dep) in pkg.exports))).toEqual([]);
  });

  test("no import cycle between files", () => {
    const cycles: string[] = [];
    const state = new Map<string, "active" | "done">();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, "active");
      stack.push(file);
      for (const dep of graph.get(file) ?? []) {
        if (!graph.has(dep)) continue;
        if (state.get(dep) === "active") cycles.push([...stack.slice(stack.indexOf(dep)), dep].map(rel).join(" -> "));
        else if (state.get(dep) === undefined) visit(dep);
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of files) if (state.get(file) === undefined) visit(file);
    expect(cycles).toEqual([]);
  });

  test("the Worker-safe tree imports no node:* module (Node built-ins only through process.getBuiltinModule in Node-only leaves)", () => {
    const offenders = files.flatMap((f) => graph.get(f)!.filter((dep) => dep.startsWith("node:")).map((dep) => `${rel(f)} -> ${dep}`));
    expect(offenders).toEqual([]);
  });
});

describe("in-repository aliases agree with the package", () => {
  test("tsconfig paths and the wrangler alias point at the source of the export they name", () => {
    const tsconfig = JSON.parse(readFileSync(path.join(root, "tsconfig.json"), "utf8").replace(/^\s*\/\/.*$/gm, "")) as { compilerOptions: { paths: Record<string, string[]> } };
    const wrangler = readFileSync(path.join(root, "wrangler.toml"), "utf8");
    for (const [name, [target]] of Object.entries(tsconfig.compilerOptions.paths)) {
      const exported = pkg.exports[`./${name.slice("portcullis/".length)}`];
      const dist = typeof exported === "string" ? exported : exported!.default!;
      expect(path.join(root, target!), name).toBe(path.join(root, dist.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")));
      expect(wrangler, name).toContain(`"${name}" = "${target}"`);
    }
  });
});
