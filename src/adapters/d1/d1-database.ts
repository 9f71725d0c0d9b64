/**
 * The part of Cloudflare's `D1Database` the D1 adapter uses, declared
 * structurally so the library needs no global `@cloudflare/workers-types`
 * (tsconfig keeps `types: []`). `env.DB` from a Worker satisfies it as is.
 *
 * `exec` is required on purpose: a `D1DatabaseSession` (read replication,
 * `withSession("first-unconstrained")`) lacks it and may read from a lagging
 * replica, which would break the "atomic" guarantee the stores declare.
 */
export interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike;
  run(): Promise<unknown>;
  all(): Promise<{ results: unknown[] }>;
  raw(): Promise<unknown[][]>;
}

export interface D1DatabaseLike {
  prepare(query: string): D1PreparedStatementLike;
  batch(statements: D1PreparedStatementLike[]): Promise<unknown[]>;
  exec(query: string): Promise<unknown>;
}
