/**
 * The comparison's progress on stderr: a legend numbering the configurations once, then a bar,
 * elapsed time, an ETA and each configuration's accepted count under its number. A terminal gets
 * one line rewritten in place; a pipe or log file gets a line per tenth done.
 */

export interface ProgressSnapshot {
  /** Accepted so far per configuration, in request order. */
  readonly accepted: readonly number[];
  /** Samples each configuration is after. */
  readonly count: number;
  readonly elapsedMs: number;
}

/**
 * Time left: the configurations run at once, so the slowest unfinished one decides, at its own
 * acceptance pace so far. Null while an unfinished one has accepted nothing (no pace yet, e.g.
 * during burn-in).
 */
export function etaMs({ accepted, count, elapsedMs }: ProgressSnapshot): number | null {
  let slowest = 0;
  for (const a of accepted) {
    if (a >= count) continue;
    if (a === 0) return null;
    slowest = Math.max(slowest, ((count - a) * elapsedMs) / a);
  }
  return slowest;
}

/** `m:ss`, or `h:mm:ss` from an hour. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

/** Share of all requested samples accepted so far, 0–1. */
export function doneShare({ accepted, count }: ProgressSnapshot): number {
  return accepted.reduce((sum, a) => sum + Math.min(a, count), 0) / (accepted.length * count);
}

export function progressLine(snapshot: ProgressSnapshot, width = 20): string {
  const share = doneShare(snapshot);
  const filled = Math.round(share * width);
  const eta = etaMs(snapshot);
  const counts = snapshot.accepted.map((a, i) => `#${i + 1} ${a}`).join('  ');
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * share).toFixed(0).padStart(3)}%  elapsed ${duration(snapshot.elapsedMs)}  ETA ${eta === null ? '?' : duration(eta)}  accepted: ${counts}`;
}

/** The numbered configurations the progress line refers to. */
export function legend(labels: readonly string[], count: number): string {
  return [`accepted samples per configuration (of ${count} each):`, ...labels.map((label, i) => `  #${i + 1}  ${label}`)].join('\n');
}

export interface ProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export class ProgressReporter {
  private readonly started: number;
  private lastWrite = -Infinity;
  private lastTenth = -1;
  private latest: readonly number[];

  constructor(
    private readonly out: ProgressOutput,
    labels: readonly string[],
    private readonly count: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    this.latest = labels.map(() => 0);
    out.write(`${legend(labels, count)}\n`);
  }

  update(accepted: readonly number[]): void {
    this.latest = accepted;
    const snapshot = this.snapshot();
    if (this.out.isTTY) {
      // At most ten redraws a second: chunks can arrive far faster.
      if (snapshot.elapsedMs - this.lastWrite < 100) return;
      this.lastWrite = snapshot.elapsedMs;
      this.out.write(`\r${progressLine(snapshot)}\x1b[K`);
      return;
    }
    const tenth = Math.floor(doneShare(snapshot) * 10);
    if (tenth === this.lastTenth) return;
    this.lastTenth = tenth;
    this.out.write(`${progressLine(snapshot)}\n`);
  }

  /** The final state, on its own line. */
  finish(): void {
    const line = progressLine(this.snapshot());
    this.out.write(this.out.isTTY ? `\r${line}\x1b[K\n` : this.lastTenth === 10 ? '' : `${line}\n`);
  }

  private snapshot(): ProgressSnapshot {
    return { accepted: this.latest, count: this.count, elapsedMs: this.now() - this.started };
  }
}
