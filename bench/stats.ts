/** Small statistics and formatting helpers for the benchmark. */
import { performance } from 'node:perf_hooks';

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** The q-quantile (0–1) by linear interpolation; NaN for no data. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = q * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (rank - lo) * (s[hi]! - s[lo]!);
}

export const fmtInt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));
export const fmtRatio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');
export const fmtMs = (n: number): string => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : '—');

/** CPU time the main thread spent working (not idle) while `work` ran, from the event loop's own accounting. */
export async function mainThreadBusy<T>(work: () => Promise<T>): Promise<{ value: T; busyMs: number; wallMs: number }> {
  const before = performance.eventLoopUtilization();
  const started = performance.now();
  const value = await work();
  const wallMs = performance.now() - started;
  const elu = performance.eventLoopUtilization(before);
  return { value, busyMs: elu.active, wallMs };
}
