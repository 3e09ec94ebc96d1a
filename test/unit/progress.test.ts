// The progress the import and export scripts print (scripts/progress.ts): the ETA from the rate
// so far, durations as people read them, a bar redrawn in place on a terminal, and plain lines
// at most every `everyMs` elsewhere. The scripts themselves run in test/cli.test.ts.
import { describe, expect, it } from 'vitest';
import { duration, eta, progress, progressLine } from '../../scripts/progress.js';

/** A stream that keeps what is written, a terminal or not. */
function sink(isTTY: boolean) {
  const written: string[] = [];
  return { out: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream, written };
}

describe('progress', () => {
  it('ETA: the rows left at the rate so far; unknown before the first row or without a total', () => {
    expect(eta(250, 1000, 5)).toBe(15);
    expect(eta(1000, 1000, 20)).toBe(0);
    expect(eta(0, 1000, 5)).toBeNull();
    expect(eta(10, null, 5)).toBeNull();
  });

  it('durations in seconds, minutes and hours', () => {
    expect(duration(0.4)).toBe('0 s');
    expect(duration(59)).toBe('59 s');
    expect(duration(185)).toBe('3 min 05 s');
    expect(duration(3720)).toBe('1 h 02 min');
  });

  it('a line: bar on a terminal, percentage, count of total, rate, elapsed, ETA and the extra text', () => {
    expect(progressLine({ done: 250, total: 1000, elapsedSeconds: 5, unit: 'rows', extra: 'failed 1' })).toBe(
      ' 25% 250/1000 rows · 50 rows/s · elapsed 5 s · ETA 15 s · failed 1',
    );
    expect(progressLine({ done: 500, total: 1000, elapsedSeconds: 10, unit: 'rows', bar: true })).toMatch(/^\[█{12}░{12}\] {2}50% 500\/1000 rows/);
    // More done than the total counted (a title row counted as a row): the total follows.
    expect(progressLine({ done: 12, total: 10, elapsedSeconds: 1, unit: 'rows' })).toMatch(/^100% 12\/12 rows .* ETA 0 s$/);
    expect(progressLine({ done: 7, total: null, elapsedSeconds: 1, unit: 'rows' })).toBe('7 rows · 7 rows/s · elapsed 1 s · ETA ?');
  });

  it('off a terminal: a plain line at most every everyMs, and always the last one', () => {
    let t = 0;
    const { out, written } = sink(false);
    const p = progress({ total: 100, unit: 'rows', out, everyMs: 1000, now: () => t });
    for (let done = 10; done <= 100; done += 10) {
      t += 400;
      p.update(done);
    }
    p.end();
    expect(written.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    // At 0.4 s (the first), 1.6 s, 2.8 s, 4.0 s, then the end.
    expect(written.map((l) => l.match(/(\d+)\/100/)![1])).toEqual(['10', '40', '70', '100', '100']);
  });

  it('on a terminal: one line redrawn in place, ended by a newline', () => {
    let t = 0;
    const { out, written } = sink(true);
    const p = progress({ total: 4, unit: 'rows', out, now: () => t });
    for (let done = 1; done <= 4; done++) {
      t += 200;
      p.update(done);
    }
    p.end();
    expect(written.slice(0, -1).every((l) => l.startsWith('\r['))).toBe(true);
    expect(written.at(-1)).toBe('\n');
  });
});
