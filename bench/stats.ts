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
