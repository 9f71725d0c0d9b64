/**
 * The one runtime import the Durable Object adapter needs, declared here because
 * tsconfig keeps `types: []` (no global `@cloudflare/workers-types`, whose globals
 * clash with the DOM lib). Only what `store-object.ts` uses; the runtime provides the rest.
 */
declare module "cloudflare:workers" {
  export abstract class DurableObject<Env = unknown> {
    constructor(ctx: unknown, env: Env);
  }
}
