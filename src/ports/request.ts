/**
 * The request-scoped types every layer shares. A leaf: it imports nothing, so ports, core,
 * sessions and plugins can all name them without depending on one another.
 */

/** Time source; tests pass a frozen clock instead of mocking `Date`. */
export interface Clock {
  now(): Date;
}

/** Randomness source; production uses `crypto.getRandomValues`. */
export interface Random {
  bytes(length: number): Uint8Array;
}

/** Everything a stage may know about the request it serves. Created once per request. */
export interface RequestContext {
  readonly request: Request;
  readonly url: URL;
  readonly clock: Clock;
  readonly random: Random;
  readonly requestId: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** One endpoint of the HTTP surface, contributed by core, a token strategy or a plugin. */
export interface PluginRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Relative to the base path, e.g. "/magic-link". */
  path: string;
  handle(ctx: RequestContext): Promise<Response>;
}
