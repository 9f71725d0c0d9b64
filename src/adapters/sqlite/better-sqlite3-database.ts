/**
 * The part of a better-sqlite3 `Database` this adapter and Drizzle call, declared
 * structurally: the project compiles with `types: []` and no @types/better-sqlite3,
 * and `new Database(path)` from better-sqlite3 12 satisfies it as is.
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
  transaction<F extends (...args: never[]) => unknown>(fn: F): F & { deferred: F; immediate: F; exclusive: F };
  /** True between `new Database()` and `close()`. */
  readonly open: boolean;
}
