/**
 * Waits until `floorMs` of wall-clock time have passed since `startedAt` (a `Date.now()`
 * reading). Answers that must not reveal whether an address has an account (one sends a mail,
 * the other does not) all leave at the same time, as long as the mail API answers within the
 * floor. Real time on purpose: this is about what a client can measure, not about the
 * injected clock that decides expiry.
 */
export async function answerNoSoonerThan(startedAt: number, floorMs: number): Promise<void> {
  const wait = startedAt + floorMs - Date.now();
  if (wait > 0) await new Promise<void>((resolve) => setTimeout(resolve, wait));
}
