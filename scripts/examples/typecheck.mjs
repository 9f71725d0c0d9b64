/**
 * Type-checks an installed example under the two consumer settings the package must survive:
 *
 *   strict  `tsc --init` of TypeScript 5.9: strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess
 *   loose   Next's generated tsconfig: strict off, target ES2017 (lib dom + esnext, as Next writes it)
 *
 * both with skipLibCheck off, so Portcullis's own .d.ts files are checked. Errors in the example's
 * files or in node_modules/portcullis fail; errors inside other packages' declarations are
 * counted and reported (they are theirs to fix, and a user would set skipLibCheck for them).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { runStatus } from "./processes.mjs";

export const SETTINGS = {
  strict: { strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: false, noEmit: true },
  loose: { strict: false, exactOptionalPropertyTypes: false, noUncheckedIndexedAccess: false, target: "ES2017", lib: ["dom", "dom.iterable", "esnext"], skipLibCheck: false, noEmit: true },
};

/** `tsc -p` with an overlay on the example's own tsconfig; returns a line for the report. */
export async function typecheck(dir, variant, { tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc"), base = "./tsconfig.json", extra = {} } = {}) {
  const file = path.join(dir, `tsconfig.${variant}.json`);
  writeFileSync(file, JSON.stringify({ extends: base, compilerOptions: { ...SETTINGS[variant], ...extra[variant] } }, null, 2));
  return judge(await runStatus(process.execPath, [tsc, "-p", file], { cwd: dir }), variant);
}

/** `deno check` with the same two settings written as Deno config files. */
export async function denoCheck(dir, variant, deno) {
  const file = path.join(dir, `deno.${variant}.json`);
  const { skipLibCheck: _unsupported, noEmit: _n, target: _t, lib: _l, ...options } = SETTINGS[variant];
  writeFileSync(file, JSON.stringify({ nodeModulesDir: "manual", compilerOptions: options }, null, 2));
  return judge(await runStatus(deno, ["check", "--config", file, "main.ts"], { cwd: dir, env: { NO_COLOR: "1" } }), variant);
}

/**
 * Passes when the checker exited 0, or when every error it reported sits in another package's
 * declarations. Anything else fails, including a non-zero exit with no error line we recognise.
 */
function judge({ code, output }, variant) {
  const text = output.replace(/\u001b\[[0-9;]*m/g, "");
  const errors = text.split("\n").filter((line) => /error TS\d+|TS\d+ \[ERROR\]|^error:/.test(line));
  const third = errors.filter((line) => /node_modules[\\/](?!portcullis[\\/])/.test(line) && !/^error:/.test(line));
  const ours = errors.filter((line) => !third.includes(line));
  if (code !== 0 && (ours.length > 0 || third.length === 0)) {
    throw new Error(`type errors under the ${variant} settings (exit ${code}):\n${text.split("\n").slice(0, 40).join("\n")}`);
  }
  return `types: ${variant} settings clean${third.length > 0 ? ` (${third.length} errors inside other packages' declarations, not ours)` : ""}`;
}
