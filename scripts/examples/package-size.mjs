/**
 * What installing the package costs a user, beside Better Auth (the peer we compare with):
 * the tarball (packed), its files (unpacked), and node_modules after `npm install` of the
 * package alone, required dependencies included (optional peers are not installed by npm).
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { run } from "./processes.mjs";

export const BETTER_AUTH = "better-auth@1.7.25";

function du(folder) {
  let bytes = 0;
  for (const name of readdirSync(folder)) {
    const full = path.join(folder, name);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat === undefined) continue;
    bytes += stat.isDirectory() ? du(full) : stat.size;
  }
  return bytes;
}

async function installed(spec, work) {
  mkdirSync(work, { recursive: true });
  writeFileSync(path.join(work, "package.json"), JSON.stringify({ name: "size-probe", private: true }));
  await run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", spec], { cwd: work });
  const modules = path.join(work, "node_modules");
  const packages = readdirSync(modules).flatMap((name) => (name.startsWith("@") ? readdirSync(path.join(modules, name)) : name.startsWith(".") ? [] : [name])).length;
  return { bytes: du(modules), packages };
}

/** `tarball` is our packed file; Better Auth's figures come from the registry. */
export async function packageSizes(tarball, packJson, work) {
  const ours = { packed: packJson.size, unpacked: packJson.unpackedSize, files: packJson.entryCount, ...(await installed(tarball, path.join(work, "portcullis"))) };
  const [peer] = JSON.parse(await run("npm", ["pack", BETTER_AUTH, "--dry-run", "--json"], { cwd: work }));
  const theirs = { packed: peer.size, unpacked: peer.unpackedSize, files: peer.entryCount, ...(await installed(BETTER_AUTH, path.join(work, "better-auth"))) };
  return { ours, theirs };
}

export function formatSizes({ ours, theirs }, version) {
  const mb = (bytes) => `${(bytes / 1_048_576).toFixed(2)} MiB`;
  const row = (name, s) => `| ${name} | ${mb(s.packed)} | ${mb(s.unpacked)} (${s.files} files) | ${mb(s.bytes)} (${s.packages} packages) |`;
  return [
    "| package | packed | unpacked | installed with required dependencies |",
    "|---|---:|---:|---:|",
    row(`portcullis ${version}`, ours),
    row(BETTER_AUTH.replace("@", " "), theirs),
  ].join("\n");
}
