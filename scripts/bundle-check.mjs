/**
 * Pure helpers behind scripts/build-worker.mjs, split out so tests can feed them bundles that
 * must fail. A Worker bundle may import nothing from Node: no `node:*` and no bare built-in
 * name (`fs`, `crypto`, `fs/promises`), which wrangler would otherwise leave as an external
 * import or polyfill depending on flags.
 */
import { builtinModules } from "node:module";
import { gzipSync } from "node:zlib";

const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith("_")));

/** True for "node:fs", "fs", "fs/promises", "crypto"; false for "./x.wasm", "jose". */
export function isNodeBuiltin(specifier) {
  if (specifier.startsWith("node:")) return true;
  if (BUILTINS.has(specifier)) return true;
  const slash = specifier.indexOf("/");
  return slash > 0 && BUILTINS.has(specifier.slice(0, slash)) && !specifier.startsWith(".");
}

const IMPORT_PATTERNS = [
  /\b(?:import|export)\s*(?:type\s+)?[\w*{}\s,$]*?\s*from\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
];

const BUILTIN_PATTERNS = [
  // process.getBuiltinModule("node:fs") reaches Node without an import statement.
  /\bgetBuiltinModule\s*\(\s*["']([^"']+)["']\s*\)/g,
  // ...and so does any "node:<name>" string handed to a helper that calls it.
  /["'`](node:[a-z_]+(?:\/[a-z_]+)*)["'`]/g,
];

function collect(code, patterns) {
  const found = new Set();
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) found.add(match[1]);
  }
  return [...found];
}

/** What the code imports: static imports and re-exports, side-effect imports, dynamic `import("...")`, `require("...")`. */
export function importSpecifiers(code) {
  return collect(code, IMPORT_PATTERNS);
}

/** Every module specifier the JavaScript refers to: its imports and any Node built-in it names. */
export function moduleSpecifiers(code) {
  return collect(code, [...IMPORT_PATTERNS, ...BUILTIN_PATTERNS]);
}

/** The Node built-ins a bundle reaches for, from its code and (when given) esbuild's metafile. */
export function nodeImports(code, metafile) {
  const specifiers = new Set(moduleSpecifiers(code));
  for (const output of Object.values(metafile?.outputs ?? {})) {
    for (const entry of output.imports ?? []) specifiers.add(entry.path);
  }
  return [...specifiers].filter(isNodeBuiltin).sort();
}

export function gzipSize(bytes) {
  return gzipSync(bytes, { level: 9 }).length;
}

export function formatBytes(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}
