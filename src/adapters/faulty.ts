import { StorageError } from "../core/errors.js";

/** Names of the function-valued members of `T`. */
export type MethodName<T> = Extract<{ [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T], string>;

export interface FaultOptions<T> {
  /** "throw": reject at once with `StorageError`. "hang": stay pending, then reject with `StorageError` after `hangMs`. */
  mode: "throw" | "hang";
  /** Methods to break; all methods when omitted. */
  methods?: readonly MethodName<T>[];
  /** How long a hung call stays pending before it rejects. Default 1000 ms. */
  hangMs?: number;
}

const DEFAULT_HANG_MS = 1000;

/**
 * A test double for outages: the same port, with the chosen methods failing the
 * way a broken backend does (always as `StorageError`, so callers must fail
 * closed). Other members, `consistency` included, pass through unchanged.
 *
 *   const users = faulty(memoryStores().users, { mode: "hang", methods: ["findByEmail"], hangMs: 50 });
 */
export function faulty<T extends object>(store: T, options: FaultOptions<T>): T {
  const broken = options.methods === undefined ? null : new Set<string | symbol>(options.methods);
  const hangMs = options.hangMs ?? DEFAULT_HANG_MS;

  function fail(name: string): Promise<never> {
    if (options.mode === "throw") {
      return Promise.reject(new StorageError(`faulty ${name} failed`, { cause: new Error("injected fault") }));
    }
    return new Promise<never>((_, reject) => {
      setTimeout(() => reject(new StorageError(`faulty ${name} timed out`, { cause: new Error("injected hang") })), hangMs);
    });
  }

  return new Proxy(store, {
    get(target: T, property: string | symbol): unknown {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (broken === null || broken.has(property)) {
        return (): Promise<never> => fail(String(property));
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}
