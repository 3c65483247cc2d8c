/**
 * One progress line on stderr, drawn only when stderr is a terminal (a pipe or a file gets nothing):
 * an optional bar of the fraction done, the command's text, and optionally the elapsed time and the
 * ETA from that fraction. Redrawn at most every {@link REDRAW_MS} ms (a final update always draws),
 * so a fast loop does not spend its time writing to the terminal.
 */

/** Smallest interval between two redraws, ms. */
const REDRAW_MS = 100;
/** Characters of the bar between the brackets. */
const BAR_WIDTH = 28;

/** Options of {@link terminalProgress}. */
export interface TerminalProgressOptions {
  /** Append `  elapsed …  ETA …` (ETA from the fraction done and the elapsed time). @defaultValue false */
  readonly showTime?: boolean;
  /** On `done()`: erase the line (true) or keep it and end it with a newline (false). @defaultValue false */
  readonly clearOnDone?: boolean;
}

/** A progress line (see the module comment). */
export interface TerminalProgress {
  /**
   * Redraws: `[####....] ` for `fraction` ∈ [0, 1] (none when null), then `text`, then the times.
   * Skipped when the last draw was under 100 ms ago, unless `final`.
   */
  update(fraction: number | null, text: string, final?: boolean): void;
  /** Ends the line (see {@link TerminalProgressOptions.clearOnDone}); nothing when nothing was drawn. */
  done(): void;
}

/** Seconds for a human: `42s`, `3.5min`, `1.2h`, or `?` when unknown. */
export function formatSeconds(s: number): string {
  return !Number.isFinite(s) ? '?' : s < 90 ? `${s.toFixed(0)}s` : s < 5400 ? `${(s / 60).toFixed(1)}min` : `${(s / 3600).toFixed(1)}h`;
}

/** A progress line on stderr, or undefined when stderr is not a terminal. */
export function terminalProgress(options: TerminalProgressOptions = {}): TerminalProgress | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  const { showTime = false, clearOnDone = false } = options;
  const start = Date.now();
  let last = -Infinity;
  let drawn = false;
  return {
    update(fraction, text, final = false) {
      const now = Date.now();
      if (now - last < REDRAW_MS && !final) return;
      last = now;
      drawn = true;
      let line = '';
      if (fraction !== null) {
        const k = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
        line = `[${'#'.repeat(k)}${'.'.repeat(BAR_WIDTH - k)}] `;
      }
      line += text;
      if (showTime) {
        const elapsed = (now - start) / 1000;
        const eta = fraction !== null && fraction > 0 ? (elapsed * (1 - fraction)) / fraction : NaN;
        line += `  elapsed ${formatSeconds(elapsed)}  ETA ${formatSeconds(eta)}`;
      }
      process.stderr.write(`\r\x1b[2K${line}`);
    },
    done() {
      if (drawn) process.stderr.write(clearOnDone ? '\r\x1b[2K' : '\n');
    },
  };
}
