/** Small timing helpers: medians over interleaved rounds, so machine noise hits both sides alike. */

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The value at fraction `p` (0..1) of an ascending list. */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** Milliseconds one call of `fn` takes. */
export async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Runs `rounds` rounds; in each, times `batch` calls of candidate and of
 * reference (order alternating) and records the per-call mean of each.
 */
export async function interleaved(
  rounds: number,
  batch: number,
  candidate: () => Promise<unknown>,
  reference: () => Promise<unknown>,
): Promise<{ candidate: number[]; reference: number[] }> {
  const out = { candidate: [] as number[], reference: [] as number[] };
  const run = async (fn: () => Promise<unknown>) =>
    await timeOnce(async () => {
      for (let i = 0; i < batch; i++) await fn();
    }) / batch;
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      out.candidate.push(await run(candidate));
      out.reference.push(await run(reference));
    } else {
      out.reference.push(await run(reference));
      out.candidate.push(await run(candidate));
    }
  }
  return out;
}
