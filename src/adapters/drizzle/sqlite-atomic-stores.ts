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
import { storageError } from "./errors.js";
import { counters, singleUse, singleUseMarks } from "./sqlite-schema.js";
import type { SQLiteDatabase } from "./sqlite-stores.js";

export interface SQLiteAtomicOptions {
  label: string;
  clock?: Clock;
}

/** `excluded.<column>`: the value the conflicting INSERT proposed. */
const excluded = (column: string): ReturnType<typeof sql> => sql`excluded.${sql.identifier(column)}`;

export function sqliteCounterStore(db: SQLiteDatabase, options: SQLiteAtomicOptions): CounterStore {
  const { label } = options;
  const clock = options.clock ?? systemClock;
  return {
    consistency: "atomic",

    async increment(key: string, windowSeconds: number): Promise<number> {
      const now = clock.now().getTime();
      try {
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
      } catch (error) {
        throw storageError(label, "counters.increment", error);
      }
    },

    async get(key: string): Promise<number> {
      try {
        const [row] = await db
          .select({ value: counters.value })
          .from(counters)
          .where(and(eq(counters.key, key), gt(counters.expiresAt, clock.now().getTime())))
          .limit(1);
        return row?.value ?? 0;
      } catch (error) {
        throw storageError(label, "counters.get", error);
      }
    },

    async reset(key: string): Promise<void> {
      try {
        await db.delete(counters).where(eq(counters.key, key));
      } catch (error) {
        throw storageError(label, "counters.reset", error);
      }
    },
  };
}

export function sqliteSingleUseStore(db: SQLiteDatabase, options: SQLiteAtomicOptions): SingleUseStore {
  const { label } = options;
  const clock = options.clock ?? systemClock;
  return {
    consistency: "atomic",

    async put(key: string, value: string, ttlSeconds: number): Promise<void> {
      const expiresAt = clock.now().getTime() + ttlSeconds * 1000;
      try {
        await db
          .insert(singleUse)
          .values({ key, value, expiresAt })
          .onConflictDoUpdate({ target: singleUse.key, set: { value, expiresAt } });
      } catch (error) {
        throw storageError(label, "singleUse.put", error);
      }
    },

    async consume(key: string): Promise<string | null> {
      try {
        // The row goes whatever its expiry: only the caller whose DELETE removed it gets it back.
        const [row] = await db.delete(singleUse).where(eq(singleUse.key, key)).returning({ value: singleUse.value, expiresAt: singleUse.expiresAt });
        return row !== undefined && row.expiresAt > clock.now().getTime() ? row.value : null;
      } catch (error) {
        throw storageError(label, "singleUse.consume", error);
      }
    },

    async claim(key: string, ttlSeconds: number): Promise<boolean> {
      const now = clock.now().getTime();
      try {
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
      } catch (error) {
        throw storageError(label, "singleUse.claim", error);
      }
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
  try {
    await db.delete(counters).where(lte(counters.expiresAt, now));
    await db.delete(singleUse).where(lte(singleUse.expiresAt, now));
    await db.delete(singleUseMarks).where(lte(singleUseMarks.expiresAt, now));
  } catch (error) {
    throw storageError(options.label, "purgeExpired", error);
  }
}
