/** Statistics and small utilities shared by every bench section. */

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median absolute deviation, relative to the median. */
export function mad(xs: readonly number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m))) / m;
}

/**
 * a / b as the median of per-round ratios: every round times every case once, so
 * pairing the samples of one round cancels most of the drift from other load on
 * the machine. Falls back to the ratio of medians when the rounds do not line up.
 */
export function pairedRatio(a: { samples: readonly number[]; ns: number }, b: { samples: readonly number[]; ns: number }): number {
  return a.samples.length === b.samples.length && a.samples.length > 0 ? median(a.samples.map((x, i) => x / b.samples[i]!)) : a.ns / b.ns;
}

export const now = (): bigint => process.hrtime.bigint();

export const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

export const errorText = (error: unknown): string => (error instanceof Error ? error.message.split("\n")[0]! : String(error));

export interface CalibrationOptions {
  /** First n tried. */
  startN: number;
  /** n grows (x4) until the work takes at least this long beyond an empty call. */
  minBusyMs: number;
  maxN: number;
  /** How long one N2 call should take. */
  targetMs: number;
}

/**
 * Picks N1 and N2 for a case timed from outside a Worker (`(t(N2) - t(N1)) / (N2 - N1)`).
 * Calibrates on the fastest of three calls (noise is one-sided: GC, tier-up, other load):
 * grow n until the work clearly dominates the round trip, then aim N2 at `targetMs`.
 * `run(n)` performs one call of n iterations and returns its wall time in ms.
 */
export async function calibrate(run: (n: number) => Promise<number>, options: CalibrationOptions): Promise<{ n1: number; n2: number }> {
  const fastest = async (n: number): Promise<number> => Math.min(await run(n), await run(n), await run(n));
  const zero = await fastest(0);
  let n = options.startN;
  let busy = (await fastest(n)) - zero;
  while (busy < options.minBusyMs && n < options.maxN) {
    n *= 4;
    busy = (await fastest(n)) - zero;
  }
  const n2 = Math.max(10, Math.round((n * options.targetMs) / Math.max(busy, 1)));
  return { n1: Math.max(2, Math.round(n2 / 5)), n2 };
}
