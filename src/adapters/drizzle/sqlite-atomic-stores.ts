/**
 * Counters and single-use values on SQLite. Every operation is ONE statement
 * (upsert or DELETE ... RETURNING), so it is atomic on its own: no transaction,
 * no read-then-write, and D1 (which has no interactive transactions) gets the
 * same guarantee as better-sqlite3. Expiry is decided against the injected
 * clock's `now`, bound as a parameter, never the database's own clock.
 */
import { and, eq, gt, lte, sql } from "drizzle-orm";
import { type Clock, systemClock } from "../../core/context.js";
import type { CounterStore } from "../../ports/counter-store.js";
import type { SingleUseStore } from "../../ports/single-use-store.js";
import { sqliteGuard } from "./errors.js";
import type { SQLiteDatabase } from "./sqlite-database.js";
import { counters, singleUse, singleUseMarks } from "./sqlite-schema.js";

export interface SQLiteAtomicOptions {
  label: string;
  clock?: Clock;
}

/** `excluded.<column>`: the value the conflicting INSERT proposed. */
const excluded = (column: string): ReturnType<typeof sql> => sql`excluded.${sql.identifier(column)}`;

export function sqliteCounterStore(db: SQLiteDatabase, options: SQLiteAtomicOptions): CounterStore {
  const guard = sqliteGuard(options.label);
  const clock = options.clock ?? systemClock;
  return {
    consistency: "atomic",

    async increment(key: string, windowSeconds: number): Promise<number> {
      const now = clock.now().getTime();
      return guard("counters.increment", async () => {
        // An expired row restarts at 1 with a new window; a live one counts up and keeps its window.
        // Both SET expressions read the row as it was before the update.
        const rows = await db
          .insert(counters)
          .values({ key, value: 1, expiresAt: now + windowSeconds * 1000 })
          .onConflictDoUpdate({
            target: counters.key,
            set: {
              value: sql`CASE WHEN ${counters.expiresAt} <= ${now} THEN 1 ELSE ${counters.value} + 1 END`,
              expiresAt: sql`CASE WHEN ${counters.expiresAt} <= ${now} THEN ${excluded("expires_at")} ELSE ${counters.expiresAt} END`,
            },
          })
          .returning({ value: counters.value });
        const value = rows[0]?.value;
        if (value === undefined) throw new Error("upsert returned no row");
        return value;
      });
    },

    get: (key: string): Promise<number> =>
      guard("counters.get", async () => {
        const [row] = await db
          .select({ value: counters.value })
          .from(counters)
          .where(and(eq(counters.key, key), gt(counters.expiresAt, clock.now().getTime())))
          .limit(1);
        return row?.value ?? 0;
      }),

    async reset(key: string): Promise<void> {
      await guard("counters.reset", () => db.delete(counters).where(eq(counters.key, key)));
    },
  };
}

export function sqliteSingleUseStore(db: SQLiteDatabase, options: SQLiteAtomicOptions): SingleUseStore {
  const guard = sqliteGuard(options.label);
  const clock = options.clock ?? systemClock;
  return {
    consistency: "atomic",

    async put(key: string, value: string, ttlSeconds: number): Promise<void> {
      const expiresAt = clock.now().getTime() + ttlSeconds * 1000;
      await guard("singleUse.put", () =>
        db
          .insert(singleUse)
          .values({ key, value, expiresAt })
          .onConflictDoUpdate({ target: singleUse.key, set: { value, expiresAt } }),
      );
    },

    consume: (key: string): Promise<string | null> =>
      guard("singleUse.consume", async () => {
        // The row goes whatever its expiry: only the caller whose DELETE removed it gets it back.
        const [row] = await db.delete(singleUse).where(eq(singleUse.key, key)).returning({ value: singleUse.value, expiresAt: singleUse.expiresAt });
        return row !== undefined && row.expiresAt > clock.now().getTime() ? row.value : null;
      }),

    async claim(key: string, ttlSeconds: number): Promise<boolean> {
      const now = clock.now().getTime();
      return guard("singleUse.claim", async () => {
        // Inserts a new mark, or takes over an expired one; a live mark makes the upsert a no-op that returns no row.
        const rows = await db
          .insert(singleUseMarks)
          .values({ key, expiresAt: now + ttlSeconds * 1000 })
          .onConflictDoUpdate({
            target: singleUseMarks.key,
            set: { expiresAt: sql`${excluded("expires_at")}` },
            setWhere: lte(singleUseMarks.expiresAt, now),
          })
          .returning({ key: singleUseMarks.key });
        return rows.length === 1;
      });
    },
  };
}

/**
 * Deletes expired counters, single-use values and replay marks (they are already
 * invisible to the ports; this only reclaims space). Not a port method: run it
 * from a scheduled job (a Cron Trigger on Workers). Returns nothing on purpose:
 * row counts differ per driver.
 */
export async function purgeExpiredSQLite(db: SQLiteDatabase, options: SQLiteAtomicOptions): Promise<void> {
  const now = (options.clock ?? systemClock).now().getTime();
  return sqliteGuard(options.label)("purgeExpired", async () => {
    await db.delete(counters).where(lte(counters.expiresAt, now));
    await db.delete(singleUse).where(lte(singleUse.expiresAt, now));
    await db.delete(singleUseMarks).where(lte(singleUseMarks.expiresAt, now));
  });
}
