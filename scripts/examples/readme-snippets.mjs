/**
 * The README's TypeScript: every ```ts block becomes a module of its own, so each must stand on
 * its own (its imports, a `declare const` for what it leaves to the reader). `types` in
 * examples.mjs type-checks them against the packed package, under both consumer settings.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export function readmeSnippets(readme) {
  return [...readFileSync(readme, "utf8").matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

export function writeReadmeSnippets(readme, folder) {
  const snippets = readmeSnippets(readme);
  snippets.forEach((code, index) => writeFileSync(path.join(folder, `snippet-${String(index + 1).padStart(2, "0")}.ts`), code));
  return snippets.length;
}
