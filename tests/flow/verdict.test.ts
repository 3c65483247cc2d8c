/**
 * Verdict helpers (src/flow/verdict.ts): the tail-rate fit on synthetic trajectories with a
 * transient and a round-off floor, and the monotonicity flag.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { fitTailRate, gdBetaFlow, gdVerdict } from '../../src/flow/index.js';
import { randomProblem } from '../helpers/problems.js';

describe('fitTailRate', () => {
  it('recovers the slowest rate under a faster transient, ignoring points at the floor', () => {
    const ts: number[] = [];
    const gaps: number[] = [];
    for (let k = 0; k <= 400; k++) {
      const t = k * 0.5;
      ts.push(t);
      // slow mode −0.2, fast transient −3 dominating early, round-off floor 1e-16 with noise
      gaps.push(Math.max(2 * Math.exp(-0.2 * t) + 50 * Math.exp(-3 * t), 1e-16 * (1 + 0.5 * Math.sin(k))));
    }
    const fit = fitTailRate(ts, gaps, 1e-13);
    expect(fit).not.toBeNull();
    expect(Math.abs(fit!.rate / -0.2 - 1)).toBeLessThan(1e-6);
    expect(fit!.tEnd).toBeLessThan(160); // stops before the floor
    expect(fit!.points).toBeGreaterThan(50);
  });
  it('with a ceiling fits every point of the window floor < gap ≤ ceiling (least squares by hand)', () => {
    const ts = Array.from({ length: 60 }, (_, k) => k);
    const gaps = ts.map((t, k) => Math.exp(-0.5 * t) * (1 + 0.01 * Math.sin(3 * k)));
    const lo = 1e-10;
    const hi = 1e-3;
    const win = ts.filter((_, k) => gaps[k]! > lo && gaps[k]! <= hi);
    const lw = ts.flatMap((_, k) => (gaps[k]! > lo && gaps[k]! <= hi ? [Math.log(gaps[k]!)] : []));
    const n = win.length;
    const tb = win.reduce((a, b) => a + b, 0) / n;
    const lb = lw.reduce((a, b) => a + b, 0) / n;
    let stt = 0;
    let stl = 0;
    for (let k = 0; k < n; k++) {
      stt += (win[k]! - tb) ** 2;
      stl += (win[k]! - tb) * (lw[k]! - lb);
    }
    const fit = fitTailRate(ts, gaps, lo, hi)!;
    expect(fit.points).toBe(n);
    expect(Math.abs(fit.rate - stl / stt)).toBeLessThan(1e-12 * Math.abs(stl / stt));
    expect(fit.tStart).toBe(win[0]);
    expect(fit.tEnd).toBe(win[n - 1]);
  });
  it('returns null with fewer than three usable points', () => {
    expect(fitTailRate([0, 1, 2], [1, 1e-20, 1e-30], 1e-13)).toBeNull();
    expect(fitTailRate([0, 1], [1, 0.5], 0)).toBeNull();
  });
});

describe('gdVerdict', () => {
  it('flags a rising loss as non-monotone', () => {
    const flow = gdBetaFlow(randomProblem(new Rng(5), 2, 4));
    const R = flow.optimalRisk;
    const ok = gdVerdict(flow, flow.yStar, [0, 1, 2, 3], [1, 0.5, 0.25, 0.125]);
    expect(ok.monotone).toBe(true);
    const bad = gdVerdict(flow, flow.yStar, [0, 1, 2, 3], [1, 0.5, 0.5 + 1e-6 * R, 0.125]);
    expect(bad.monotone).toBe(false);
    expect(bad.maxRelativeIncrease).toBeGreaterThan(1e-7);
    expect(ok.gap).toBe(flow.gap(flow.yStar));
    expect(ok.predictedRate).toBe(flow.hessian().predictedRate);
  });
});
