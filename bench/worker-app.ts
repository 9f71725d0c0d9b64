/**
 * The workerd side of `npm run bench`: one fetch handler per bench worker,
 * bundled by bench/run.ts with esbuild and started with Miniflare. The runner
 * times these requests from Node, because inside workerd Date.now() and
 * performance.now() do not advance during pure CPU work.
 *
 *   GET /setup                 builds every case once (sign-ups, key imports) and lists them
 *   GET /check                 per case, after a warm-up: the result passes its check, a
 *                              forged credential is rejected, and the crypto.subtle calls one
 *                              instrumented call makes
 *   GET /run?case=NAME&n=N     N sequentially awaited iterations of one case
 */
import { countCrypto, loop, type CaseSet } from "./cases.js";

const json = (value: unknown, status = 200): Response =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ""}` : String(error));

export function benchWorker(setup: () => Promise<CaseSet>): { fetch(request: Request): Promise<Response> } {
  let set: CaseSet | null = null;
  return {
    async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      try {
        if (url.pathname === "/setup") {
          set ??= await setup();
          return json({ cases: set.cases.map((c) => ({ name: c.name, group: c.group, note: c.note })), unavailable: set.unavailable });
        }
        if (set === null) return json({ error: "call /setup first" }, 409);
        if (url.pathname === "/check") {
          const report = [];
          for (const c of set.cases) {
            const it = c.prepare();
            await loop(it, 20); // warm-up: key caches, JIT
            const ok = it.ok(await it.run());
            const crypto = await countCrypto(async () => {
              if (!it.ok(await it.run())) throw new Error(`${c.name}: instrumented call failed its check`);
            });
            report.push({ name: c.name, ok, rejectsForgery: await c.rejectsForgery(), crypto });
          }
          return json(report);
        }
        if (url.pathname === "/run") {
          const name = url.searchParams.get("case");
          const n = Number(url.searchParams.get("n") ?? "0");
          const c = set.cases.find((x) => x.name === name);
          if (c === undefined) return json({ error: `unknown case ${name}` }, 404);
          await loop(c.prepare(), n);
          return new Response("ok");
        }
        return json({ error: "not found" }, 404);
      } catch (error) {
        return json({ error: describe(error) }, 500);
      }
    },
  };
}
