/**
 * `await client.close()` must settle in a process that has nothing else to do: inside
 * vitest the event loop is always busy, so this runs a separate Node process.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { REDIS_URL, serviceAvailable } from "../helpers/services.js";

const up = await serviceAvailable("Redis", REDIS_URL);
const dir = mkdtempSync(join(tmpdir(), "pc-redis-close-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!up)("TCP Redis client shutdown", () => {
  test("close() settles and the process exits 0 on its own", async () => {
    const client = resolve("src/adapters/redis/client.ts");
    const script = join(dir, "close.mts"); // .mts: ESM (top-level await) without a package.json
    writeFileSync(
      script,
      `import { createRedisClient } from ${JSON.stringify(client)};
const redis = createRedisClient(${JSON.stringify(REDIS_URL)});
await redis.send(["PING"]);
await redis.close();
console.log("closed");
`,
    );
    const output = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = execFile(process.execPath, ["--import", "tsx", script], { timeout: 15_000 }, (_error, stdout) =>
        done({ code: child.exitCode, stdout }),
      );
    });
    expect(output.stdout.trim()).toBe("closed");
    expect(output.code).toBe(0);
  });
});
