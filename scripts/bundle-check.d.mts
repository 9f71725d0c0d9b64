/** Types for bundle-check.mjs (used by scripts/build-worker.mjs and its test). */
export function isNodeBuiltin(specifier: string): boolean;
export function importSpecifiers(code: string): string[];
export function moduleSpecifiers(code: string): string[];
export function nodeImports(code: string, metafile?: { outputs?: Record<string, { imports?: Array<{ path: string }> }> }): string[];
export function gzipSize(bytes: Uint8Array): number;
export function formatBytes(bytes: number): string;
