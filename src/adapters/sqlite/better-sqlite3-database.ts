/**
 * The part of a better-sqlite3 `Database` this adapter and Drizzle call, declared
 * structurally: the project compiles with `types: []` and no @types/better-sqlite3, and
 * `new Database(path)` from better-sqlite3 12 satisfies it as is, with or without
 * @types/better-sqlite3 (its `Transaction<F>` is a callable object, not an `F`: only the shape
 * Drizzle relies on is asked for here; examples/hono type-checks against the published types).
 */
export interface BetterSQLite3StatementLike {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  raw(toggle?: boolean): BetterSQLite3StatementLike;
}

export interface BetterSQLite3DatabaseLike {
  prepare(source: string): BetterSQLite3StatementLike;
  exec(source: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction(fn: (...args: never[]) => unknown): unknown;
  /** True between `new Database()` and `close()`. */
  readonly open: boolean;
}
