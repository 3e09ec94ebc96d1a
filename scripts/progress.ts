// The progress the import and export scripts show on stderr: on a terminal a bar redrawn in
// place (done / total, rate, ETA); otherwise (a pipe, a log file, CI) a plain line every
// `everyMs`, so a log shows the run moving without a screenful of carriage returns. The final
// line is always printed.

/** "45 s", "3 min 05 s", "1 h 02 min": a duration as a person reads it. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * The seconds left at the rate so far, or null while nothing is done (no rate yet) or when the
 * total is unknown.
 */
export function eta(done: number, total: number | null, elapsedSeconds: number): number | null {
  if (total === null || done <= 0 || elapsedSeconds <= 0) return null;
  return Math.max(0, total - done) / (done / elapsedSeconds);
}

/** One progress line: bar and percentage when the total is known, count, rate, ETA, and `extra`. */
export function progressLine(p: { done: number; total: number | null; elapsedSeconds: number; unit: string; extra?: string; bar?: boolean }): string {
  const total = p.total === null ? null : Math.max(p.total, p.done);
  const parts: string[] = [];
  if (total !== null) {
    const frac = total ? p.done / total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    parts.push(`${p.bar ? `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ` : ''}${(frac * 100).toFixed(0).padStart(3)}% ${p.done}/${total} ${p.unit}`);
  } else parts.push(`${p.done} ${p.unit}`);
  const rate = p.elapsedSeconds > 0 ? p.done / p.elapsedSeconds : 0;
  parts.push(`${rate.toFixed(0)} ${p.unit}/s`);
  const left = eta(p.done, total, p.elapsedSeconds);
  parts.push(`elapsed ${duration(p.elapsedSeconds)}`);
  parts.push(`ETA ${left === null ? '?' : duration(left)}`);
  if (p.extra) parts.push(p.extra);
  return parts.join(' · ');
}

export type Progress = {
  /** Shows `done` (of the total); on a terminal at most every 100 ms, otherwise every `everyMs`. */
  update(done: number, extra?: string): void;
  /** Shows the last state and ends the line. */
  end(): void;
};

export function progress(opts: {
  total: number | null;
  unit: string;
  out?: NodeJS.WriteStream;
  /** Off a terminal: the least time between two lines (0: a line per update). */
  everyMs?: number;
  now?: () => number;
}): Progress {
  const out = opts.out ?? process.stderr;
  const now = opts.now ?? (() => performance.now());
  const tty = !!out.isTTY;
  const every = tty ? 100 : (opts.everyMs ?? 10_000);
  const started = now();
  let last = -Infinity;
  let state = { done: 0, extra: undefined as string | undefined };
  const line = () => progressLine({ ...state, total: opts.total, elapsedSeconds: (now() - started) / 1000, unit: opts.unit, bar: tty });
  const show = () => {
    last = now();
    if (tty) out.write(`\r${line()}\x1b[K`);
    else out.write(`${line()}\n`);
  };
  return {
    update(done, extra) {
      state = { done, extra };
      if (now() - last >= every) show();
    },
    end() {
      show();
      if (tty) out.write('\n');
    },
  };
}
