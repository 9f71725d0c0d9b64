import type { Clock, Random, RequestContext } from "../ports/request.js";
import { toBase64Url } from "./encoding.js";

export type { Clock, Random, RequestContext };

export const systemClock: Clock = { now: (): Date => new Date() };

export const cryptoRandom: Random = {
  bytes(length: number): Uint8Array {
    return crypto.getRandomValues(new Uint8Array(length));
  },
};

export interface ContextOptions {
  clock: Clock;
  random: Random;
  /** Header carrying the client IP set by a trusted proxy (e.g. cf-connecting-ip); null trusts none. */
  ipHeader: string | null;
}

/**
 * `url` and `requestId` are computed on first use: the read path
 * (`authenticate`) needs neither, and its budget is one crypto call.
 */
export function createContext(request: Request, options: ContextOptions): RequestContext {
  let url: URL | undefined;
  let requestId: string | undefined;
  return {
    request,
    get url(): URL {
      return (url ??= new URL(request.url));
    },
    clock: options.clock,
    random: options.random,
    get requestId(): string {
      return (requestId ??= toBase64Url(options.random.bytes(12)));
    },
    ip: options.ipHeader === null ? null : request.headers.get(options.ipHeader),
    userAgent: request.headers.get("user-agent"),
  };
}

/** A clock for tests and simulations: frozen until advanced. */
export function fixedClock(start: Date | string | number): Clock & { advance(ms: number): void; set(at: Date): void } {
  let at = new Date(start).getTime();
  return {
    now: (): Date => new Date(at),
    advance(ms: number): void {
      at += ms;
    },
    set(date: Date): void {
      at = date.getTime();
    },
  };
}
