/**
 * The adapter section of `npm run bench`, the part shared by Node (bench/adapters.ts)
 * and workerd (bench/worker-adapters.ts, bundled by esbuild): one Portcullis instance
 * per backend, a user signed up through it, and `authenticate()` with that user's
 * opaque session cookie.
 *
 * Round trips are counted, never assumed: every case also builds a SECOND auth over
 * the same data whose backend client is wrapped so that each request / command / query
 * it sends is recorded (the caller supplies that wrapped client). That instrumented
 * auth serves two requests: the first shows what a fresh instance pays (a Durable
 * Object pointer lookup, PostgreSQL statement preparation), the second the warm cost.
 * The timed auth is never wrapped, so counting costs nothing while timing.
 */
import { createAuth, type Auth } from "../src/create-auth.js";
import type { Stores } from "../src/core/plugins.js";
import { pbkdf2Hasher } from "../src/credentials/password/index.js";
import { EMAIL, ORIGIN, PASSWORD, tamper, type Iteration } from "./cases.js";
import { emailPassword } from "../src/credentials/password/index.js";

/** Records one backend call; `kind` "rt" is a round trip, "note" extra information (e.g. the SQL queries behind them). */
export type Recorder = (label: string, kind?: "rt" | "note") => void;

export interface RoundTrips {
  /** Labels of the backend calls the first request of a fresh instrumented instance made. */
  first: string[];
  /** ... and the second (warm) request. */
  warm: string[];
  /** Extra information recorded beside the warm request (e.g. queries, statements). */
  warmNotes: string[];
  firstNotes: string[];
}

export interface AdapterCase {
  name: string;
  /** The row label: which backend holds sessions and users. */
  label: string;
  /** false: in-process (SQLite, memory); what is counted are statements, not network round trips. */
  network: boolean;
  /** What one counted call is, printed under the table. */
  counts: string;
  prepare(): Iteration;
  rejectsForgery(): Promise<boolean>;
  roundTrips(): Promise<RoundTrips>;
}

export interface AdapterSpec {
  name: string;
  label: string;
  network: boolean;
  counts: string;
  /** The stores the timed auth runs on (unwrapped clients). */
  stores: Stores;
  /**
   * The same data through counting clients. Called once, when round trips are counted;
   * `record` only records while one of the two counted requests runs.
   */
  instrumented(record: Recorder): Stores | Promise<Stores>;
  /** Runs after `instrumented` and before the first counted request (e.g. open the connection, so connecting is not counted). */
  beforeFirst?(): Promise<void>;
  /** Runs after the two counted requests, even when they failed (e.g. remove a global fetch wrapper). */
  afterCounted?(): void | Promise<void>;
}

export function benchHasher() {
  // Only sign-up hashes; authenticate() never does.
  return pbkdf2Hasher({ iterations: 1000 });
}

export async function signUp(auth: Auth): Promise<string> {
  const response = await auth.handle(
    new Request(`${ORIGIN}/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD, name: "Ada" }),
    }),
  );
  if (response.status !== 201) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  const setCookie = response.headers.get("set-cookie");
  if (setCookie === null) throw new Error("sign-up: no set-cookie");
  return setCookie.split(";")[0]!;
}

interface Authenticated {
  authenticated: boolean;
  principal?: { email: string | null };
}

/** Authenticated, and the principal came from the user store (so both stores were read). */
const isAda = (r: unknown): boolean => (r as Authenticated).authenticated === true && (r as Authenticated).principal?.email === EMAIL;

export async function adapterCase(spec: AdapterSpec): Promise<AdapterCase> {
  const auth = createAuth({ stores: spec.stores, plugins: [emailPassword({ hasher: benchHasher() })] });
  const cookie = await signUp(auth);
  const cookieName = cookie.slice(0, cookie.indexOf("="));
  const token = cookie.slice(cookieName.length + 1);
  const make = (c: string): Request => new Request(`${ORIGIN}/api/me`, { headers: { cookie: c } });

  return {
    name: spec.name,
    label: spec.label,
    network: spec.network,
    counts: spec.counts,
    prepare() {
      const request = make(cookie);
      return { run: () => auth.authenticate(request), ok: isAda };
    },
    async rejectsForgery() {
      return (await auth.authenticate(make(`${cookieName}=${tamper(token)}`))).authenticated === false;
    },
    async roundTrips() {
      const calls: string[] = [];
      const notes: string[] = [];
      let recording = false;
      const record: Recorder = (label, kind = "rt") => {
        if (recording) (kind === "rt" ? calls : notes).push(label);
      };
      const once = async (counted: Auth): Promise<{ calls: string[]; notes: string[] }> => {
        recording = true;
        try {
          const result = await counted.authenticate(make(cookie));
          if (!isAda(result)) throw new Error(`${spec.name}: the instrumented request did not authenticate`);
        } finally {
          recording = false;
        }
        return { calls: calls.splice(0), notes: notes.splice(0) };
      };
      try {
        const counted = createAuth({ stores: await spec.instrumented(record), plugins: [emailPassword({ hasher: benchHasher() })] });
        await spec.beforeFirst?.();
        const first = await once(counted);
        const warm = await once(counted);
        return { first: first.calls, warm: warm.calls, firstNotes: first.notes, warmNotes: warm.notes };
      } finally {
        await spec.afterCounted?.();
      }
    },
  };
}

/** Counts "x2" for repeats, keeping first-seen order: ["get", "get", "put"] -> "get x2, put". */
export function summarize(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts].map(([label, n]) => (n > 1 ? `${label} x${n}` : label)).join(", ");
}

/** A table name out of a SQL statement, for labels ("sessions", "users"). */
export function tableOf(sql: string): string {
  const m = /\b(?:from|into|update)\s+["`]?(\w+)["`]?/i.exec(sql);
  return m?.[1] ?? sql.trim().split(/\s+/)[0]!.toLowerCase();
}

// ---------------------------------------------------------------------------
// Counting wrappers usable in both runtimes (Proxies over the backend client)

/**
 * A SQL client whose statements are counted: `prepare(sql)` gives a statement proxy, and
 * calling any of `exec` on it (or on what `bind` returns) records `<table>.<method>`.
 * `batch` on the database records "batch". Methods that return the statement itself
 * (better-sqlite3's `raw()` toggles raw mode) return the proxy, so chains stay counted.
 */
export function countingSQL<T extends object>(db: T, record: Recorder, exec: readonly string[]): T {
  const wrapStatement = (statement: object, sql: string): object => {
    const proxy: object = new Proxy(statement, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (typeof prop === "string" && exec.includes(prop)) record(`${tableOf(sql)}.${prop}`);
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (result === target) return proxy;
          if (prop === "bind" && typeof result === "object" && result !== null) return wrapStatement(result, sql);
          return result;
        };
      },
    });
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "batch") record("batch");
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (prop === "prepare" && typeof result === "object" && result !== null) return wrapStatement(result, String(args[0]));
        return result;
      };
    },
  });
}

/** Any object whose listed methods are recorded when called (KV namespaces). */
export function countingMethods<T extends object>(target: T, record: Recorder, methods: readonly string[], label?: (method: string, args: unknown[]) => string): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (typeof prop === "string" && methods.includes(prop)) record(label ? label(prop, args) : prop);
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}
