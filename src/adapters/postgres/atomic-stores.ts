/**
 * Counters and single-use values on PostgreSQL, each operation ONE statement:
 * `INSERT ... ON CONFLICT DO UPDATE` locks the conflicting row and re-reads its
 * latest committed version, and `DELETE ... RETURNING` lets only the session that
 * removed the row see it, so concurrent callers on different connections never
 * lose an update or share a value. No transaction, no read-then-write. Expiry
 * is decided against the injected clock's `now`, bound as a parameter (never the
 * server's `now()`), so tests can freeze time.
 */
import { and, eq, lte, type SQL, sql } from "drizzle-orm";
import { type Clock, systemClock } from "../../core/context.js";
import type { CounterStore } from "../../ports/counter-store.js";
import type { SingleUseStore } from "../../ports/single-use-store.js";
import type { StorageGuard } from "../storage-guard.js";
import type { PostgresDatabase } from "./database.js";
import { postgresGuard } from "./guard.js";
import { counters, singleUse, singleUseMarks } from "./schema.js";

/** A timestamptz placeholder, filled with an ISO string: portable across drivers (no driver-specific Date serialisation). */
const at = (name: string): SQL => sql`${sql.placeholder(name)}::timestamptz`;

/** `excluded.<column>`: the value the conflicting INSERT proposed. */
const excluded = (column: string): SQL => sql`excluded.${sql.identifier(column)}`;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Statements run on hot paths (rate limits on every sign-in, single-use checks) are
 * prepared once per store: with postgres.js a prepared statement costs one round trip
 * once its connection has seen it, an unprepared one with parameters two.
 */
export function postgresCounterStore(db: PostgresDatabase, guard: StorageGuard, options: { clock?: Clock } = {}): CounterStore {
  const clock = options.clock ?? systemClock;
  const expired = sql`${counters.expiresAt} <= ${at("now")}`;
  // An expired row restarts at 1 with a new window; a live one counts up and keeps its window.
  // Both SET expressions read the row as it was before this update.
  const incrementQuery = db
    .insert(counters)
    .values({ key: sql.placeholder("key"), value: 1, expiresAt: at("expiresAt") })
    .onConflictDoUpdate({
      target: counters.key,
      set: {
        value: sql`CASE WHEN ${expired} THEN 1 ELSE ${counters.value} + 1 END`,
        expiresAt: sql`CASE WHEN ${expired} THEN ${excluded("expires_at")} ELSE ${counters.expiresAt} END`,
      },
    })
    .returning({ value: counters.value })
    .prepare("portcullis_counters_increment");
  const getQuery = db
    .select({ value: counters.value })
    .from(counters)
    .where(and(eq(counters.key, sql.placeholder("key")), sql`${counters.expiresAt} > ${at("now")}`))
    .limit(1)
    .prepare("portcullis_counters_get");

  return {
    consistency: "atomic",

    increment(key: string, windowSeconds: number): Promise<number> {
      const now = clock.now().getTime();
      return guard("counters.increment", async () => {
        const [row] = await incrementQuery.execute({ key, now: iso(now), expiresAt: iso(now + windowSeconds * 1000) });
        if (row === undefined) throw new Error("upsert returned no row");
        return row.value;
      });
    },

    get: (key: string): Promise<number> =>
      guard("counters.get", async () => (await getQuery.execute({ key, now: clock.now().toISOString() }))[0]?.value ?? 0),

    async reset(key: string): Promise<void> {
      await guard("counters.reset", () => db.delete(counters).where(eq(counters.key, key)));
    },
  };
}

export function postgresSingleUseStore(db: PostgresDatabase, guard: StorageGuard, options: { clock?: Clock } = {}): SingleUseStore {
  const clock = options.clock ?? systemClock;
  const putQuery = db
    .insert(singleUse)
    .values({ key: sql.placeholder("key"), value: sql.placeholder("value"), expiresAt: at("expiresAt") })
    .onConflictDoUpdate({ target: singleUse.key, set: { value: excluded("value"), expiresAt: excluded("expires_at") } })
    .prepare("portcullis_single_use_put");
  // The row goes whatever its expiry: only the session whose DELETE removed it gets it back.
  const consumeQuery = db
    .delete(singleUse)
    .where(eq(singleUse.key, sql.placeholder("key")))
    .returning({ value: singleUse.value, expiresAt: singleUse.expiresAt })
    .prepare("portcullis_single_use_consume");
  // Inserts a new mark or takes over an expired one; a live mark turns the upsert into a no-op that returns no row.
  const claimQuery = db
    .insert(singleUseMarks)
    .values({ key: sql.placeholder("key"), expiresAt: at("expiresAt") })
    .onConflictDoUpdate({
      target: singleUseMarks.key,
      set: { expiresAt: excluded("expires_at") },
      setWhere: sql`${singleUseMarks.expiresAt} <= ${at("now")}`,
    })
    .returning({ key: singleUseMarks.key })
    .prepare("portcullis_single_use_claim");

  return {
    consistency: "atomic",

    async put(key: string, value: string, ttlSeconds: number): Promise<void> {
      const now = clock.now().getTime();
      await guard("singleUse.put", () => putQuery.execute({ key, value, expiresAt: iso(now + ttlSeconds * 1000) }));
    },

    consume(key: string): Promise<string | null> {
      return guard("singleUse.consume", async () => {
        const [row] = await consumeQuery.execute({ key });
        return row !== undefined && row.expiresAt.getTime() > clock.now().getTime() ? row.value : null;
      });
    },

    claim(key: string, ttlSeconds: number): Promise<boolean> {
      const now = clock.now().getTime();
      return guard("singleUse.claim", async () => (await claimQuery.execute({ key, now: iso(now), expiresAt: iso(now + ttlSeconds * 1000) })).length === 1);
    },
  };
}

/**
 * Deletes expired counters, single-use values and replay marks (space only: the
 * ports already ignore them). Not a port method: run it from a scheduled job.
 */
export function postgresPurgeExpired(db: PostgresDatabase, options: { clock?: Clock; timeoutMs?: number } = {}): Promise<void> {
  const now = (options.clock ?? systemClock).now();
  return postgresGuard(options.timeoutMs)("purgeExpired", async () => {
    await db.delete(counters).where(lte(counters.expiresAt, now));
    await db.delete(singleUse).where(lte(singleUse.expiresAt, now));
    await db.delete(singleUseMarks).where(lte(singleUseMarks.expiresAt, now));
  });
}
