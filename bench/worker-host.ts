/**
 * Node side of the workerd benches: bundle a bench Worker the way a deployment would (esbuild,
 * workerd conditions) and serve it from Miniflare over a direct socket, timed per call. Node-only:
 * the benches that are also bundled into their own Worker (authz, route rules) import this
 * module dynamically, so it never reaches a bundle.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare, type MiniflareOptions } from "miniflare";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface BundleOptions {
  /** A file relative to the repository root, or the source of an in-memory entry module. */
  entry: { file: string } | { source: string };
  outfile: string;
  /** Besides `node:*` and `cloudflare:*`: modules only the Node runner reaches (dynamic imports). */
  external?: readonly string[];
}

export async function bundleWorker(options: BundleOptions): Promise<string> {
  const entry =
    "file" in options.entry
      ? { entryPoints: [options.entry.file] }
      : { stdin: { contents: options.entry.source, resolveDir: root, sourcefile: "bench-entry.ts", loader: "ts" as const } };
  await build({
    absWorkingDir: root,
    ...entry,
    outfile: options.outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["node:*", "cloudflare:*", ...(options.external ?? [])],
    logLevel: "error",
  });
  return options.outfile;
}

export interface TimedAnswer {
  ms: number;
  status: number;
  body: string;
}

export interface BenchWorker {
  /** One request over the direct socket, timed from send to the last body byte. */
  call(path: string, init?: RequestInit): Promise<TimedAnswer>;
  dispose(): Promise<void>;
}

export interface BenchWorkerOptions extends Omit<BundleOptions, "outfile"> {
  name: string;
  compatibilityDate: string;
  /** Bindings and the like (D1, KV, Durable Objects). */
  miniflare?: Partial<MiniflareOptions>;
}

/** Bundles `entry` into a temporary directory and serves it; `dispose` removes both. */
export async function startBenchWorker(options: BenchWorkerOptions): Promise<BenchWorker> {
  const outdir = await mkdtemp(join(tmpdir(), `portcullis-${options.name}-`));
  let mf: Miniflare | null = null;
  const dispose = async (): Promise<void> => {
    await mf?.dispose().catch(() => {});
    await rm(outdir, { recursive: true, force: true });
  };
  try {
    const outfile = await bundleWorker({ ...options, outfile: join(outdir, `${options.name}.mjs`) });
    mf = new Miniflare({
      ...options.miniflare,
      name: options.name,
      modulesRoot: outdir,
      modules: [{ type: "ESModule", path: outfile, contents: await readFile(outfile, "utf8") }],
      compatibilityDate: options.compatibilityDate,
      unsafeDirectSockets: [{}],
    } as MiniflareOptions);
    const base = await mf.unsafeGetDirectURL(options.name);
    return {
      async call(path, init): Promise<TimedAnswer> {
        const t0 = process.hrtime.bigint();
        const response = await fetch(new URL(path, base), init);
        const body = await response.text();
        return { ms: Number(process.hrtime.bigint() - t0) / 1e6, status: response.status, body };
      },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
