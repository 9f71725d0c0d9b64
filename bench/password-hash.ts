/**
 * Per-hash cost of each password hasher at its production parameters.
 *
 *   Node:    npx tsx bench/password-hash.ts [runs]
 *   workerd: call measurePasswordHashing() from a throwaway *.workerd.test.ts (the module comes
 *            from `import argon2Wasm from "../src/credentials/password/argon2.wasm?module"`).
 *
 * One warm-up hash per hasher first (WASM instantiation and heap growth are one-offs).
 */
import { argon2idHasher } from "../src/credentials/password/index.js";
import { argon2idJSHasher } from "../src/credentials/password/argon2id-js.js";
import { pbkdf2Hasher } from "../src/credentials/password/pbkdf2.js";
import type { PasswordHasher } from "../src/ports/password-hasher.js";

export interface BenchRow {
  name: string;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

export async function measurePasswordHashing(module: WebAssembly.Module | undefined, runs = 5): Promise<BenchRow[]> {
  const hashers: Array<[string, PasswordHasher]> = [];
  if (module !== undefined) hashers.push(["argon2id WASM m=19456 t=2 p=1", argon2idHasher({ module })]);
  hashers.push(
    ["argon2id noble m=19456 t=2 p=1", argon2idJSHasher()],
    ["pbkdf2-sha256 100k", pbkdf2Hasher({ iterations: 100_000 })],
    ["pbkdf2-sha256 600k", pbkdf2Hasher({ iterations: 600_000, allowAboveWorkersLimit: true })],
  );
  const rows: BenchRow[] = [];
  for (const [name, hasher] of hashers) {
    await hasher.hash("warm-up password");
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await hasher.hash(`benchmark password ${i}`);
      times.push(performance.now() - start);
    }
    rows.push({
      name,
      meanMs: times.reduce((a, b) => a + b, 0) / times.length,
      minMs: Math.min(...times),
      maxMs: Math.max(...times),
    });
  }
  return rows;
}

export function formatRows(runtime: string, rows: BenchRow[]): string {
  return rows
    .map((r) => `${runtime.padEnd(8)} ${r.name.padEnd(32)} mean ${r.meanMs.toFixed(1).padStart(7)} ms  min ${r.minMs.toFixed(1).padStart(7)}  max ${r.maxMs.toFixed(1).padStart(7)}`)
    .join("\n");
}

const argv = (globalThis as { process?: { argv?: string[] } }).process?.argv;
if (argv?.[1]?.endsWith("password-hash.ts")) {
  const { bundledArgon2Module } = await import("../src/credentials/password/argon2-module-bytes.js");
  const runs = Number(argv[2] ?? 5);
  console.log(formatRows("node", await measurePasswordHashing(bundledArgon2Module(), runs)));
}
