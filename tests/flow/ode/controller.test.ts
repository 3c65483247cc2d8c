import { describe, expect, it } from 'vitest';
import {
  MAX_FACTOR,
  MIN_FACTOR,
  PIController,
  PI_BETA1,
  PI_BETA2,
  PREVIOUS_ERROR_FLOOR,
  SAFETY,
  rodas4,
  rosenbrock,
  selectInitialStep,
  solve,
  type Method,
  type VectorField,
} from '../../../src/flow/ode/index.js';
import { PIState } from '../../../src/flow/ode/controller.js';
import { ADAPTIVE_TABLEAUS, Y0, exactLinear, linearField, maxAbsDiff, spectralSolver } from './helpers.js';

describe('PIController', () => {
  it('uses the named defaults (scipy SAFETY/MIN_FACTOR/MAX_FACTOR, Gustafsson β = 0.7, 0.4)', () => {
    const c = new PIController();
    expect([SAFETY, MIN_FACTOR, MAX_FACTOR, PI_BETA1, PI_BETA2]).toEqual([0.9, 0.2, 10, 0.7, 0.4]);
    expect([c.safety, c.minFactor, c.maxFactor, c.beta1, c.beta2]).toEqual([SAFETY, MIN_FACTOR, MAX_FACTOR, PI_BETA1, PI_BETA2]);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('validates its options, naming the field', () => {
    expect(() => new PIController({ safety: 1.5 })).toThrow('PIController: safety must be in (0, 1], got 1.5');
    expect(() => new PIController({ minFactor: 0 })).toThrow(/minFactor must be in \(0, 1\)/);
    expect(() => new PIController({ maxFactor: 1 })).toThrow(/maxFactor must be > 1/);
    expect(() => new PIController({ beta1: 0.3, beta2: 0.4 })).toThrow(/beta2 must be in \[0, beta1\)/);
    expect(() => new PIController({ beta1: NaN })).toThrow(/beta1 must be > 0/);
  });

  it('implements h_new/h = safety · err^(−β1/k) · errPrev^(β2/k), clamped, capped at 1 after a rejection', () => {
    const k = 5; // errorOrder 4
    const s = new PIState(new PIController(), 4);
    // First step: errPrev = 1.
    expect(s.accept(0.5)).toBeCloseTo(SAFETY * 0.5 ** (-PI_BETA1 / k), 15);
    // Second step remembers 0.5.
    expect(s.accept(0.25)).toBeCloseTo(SAFETY * 0.25 ** (-PI_BETA1 / k) * 0.5 ** (PI_BETA2 / k), 15);
    // err = 0 → MAX_FACTOR; tiny previous error is floored.
    expect(s.accept(0)).toBe(MAX_FACTOR);
    expect(s.accept(0.5)).toBeCloseTo(Math.min(MAX_FACTOR, SAFETY * 0.5 ** (-PI_BETA1 / k) * PREVIOUS_ERROR_FLOOR ** (PI_BETA2 / k)), 15);
    // Rejection: I-controller factor, at least MIN_FACTOR; non-finite → MIN_FACTOR.
    expect(s.reject(32)).toBeCloseTo(SAFETY * 32 ** (-1 / k), 15);
    expect(s.reject(1e30)).toBe(MIN_FACTOR);
    expect(s.reject(NaN)).toBe(MIN_FACTOR);
    // After a rejection the next accepted step may not grow.
    expect(s.accept(1e-6)).toBe(1);
    expect(s.accept(1e-6)).toBeGreaterThan(1);
  });

  it('with beta1 = 1, beta2 = 0 reduces to the I controller of scipy', () => {
    const s = new PIState(new PIController({ beta1: 1, beta2: 0 }), 4);
    s.accept(0.01);
    expect(s.accept(0.3)).toBeCloseTo(SAFETY * 0.3 ** (-1 / 5), 15);
  });
});

describe('selectInitialStep (Hairer / scipy select_initial_step)', () => {
  const decay: VectorField = (_t, y, out) => {
    out[0] = -(y[0] as number);
  };
  const work = () => ({ y1: new Float64Array(1), f1: new Float64Array(1), scale: new Float64Array(1) });

  it('matches the formula on y′ = −y and honours the interval and dtMax', () => {
    const y0 = Float64Array.of(1);
    const f0 = Float64Array.of(-1);
    // d0 = d1 = 1/(atol + rtol) → h0 = 0.01; d2 = ‖f1 − f0‖/h0 = 1/(atol + rtol); h1 = (0.01/d1)^(1/5).
    const rtol = 1e-6;
    const atol = 1e-6;
    const d = 1 / (atol + rtol);
    const h = selectInitialStep(decay, 0, y0, f0, 10, 4, rtol, atol, Infinity, work());
    expect(h).toBeCloseTo(Math.min(100 * 0.01, (0.01 / d) ** (1 / 5)), 12);
    expect(selectInitialStep(decay, 0, y0, f0, 1e-9, 4, rtol, atol, Infinity, work())).toBe(1e-9);
    expect(selectInitialStep(decay, 0, y0, f0, 10, 4, rtol, atol, 1e-4, work())).toBe(1e-4);
    // Backward: the probe goes toward t1, the result is a magnitude.
    expect(selectInitialStep(decay, 0, y0, f0, -10, 4, rtol, atol, Infinity, work())).toBeGreaterThan(0);
  });
});

const TOLERANCE_CASES: readonly (readonly [string, () => Method])[] = [
  ...ADAPTIVE_TABLEAUS.map((T) => [T.name, () => T] as const),
  ['rodas4', () => rosenbrock(rodas4, { linearSolver: spectralSolver() })] as const,
];

describe.each(TOLERANCE_CASES)('tolerance proportionality of %s', (_name, method) => {
  it('global error at t = 4 decreases with rtol = atol ∈ 1e-3 … 1e-10, roughly in proportion, and stays below 10·rtol', () => {
    const rtols = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10];
    const errs = rtols.map((rtol) => maxAbsDiff(solve(linearField, Y0, [0, 4], method(), { rtol, atol: rtol }).y, exactLinear(4)));
    errs.forEach((e, i) => {
      expect(e).toBeLessThan(10 * (rtols[i] as number));
      if (i > 0) expect(e).toBeLessThan(errs[i - 1] as number);
    });
    const slope = Math.log(errs[0]! / errs[errs.length - 1]!) / Math.log(rtols[0]! / rtols[rtols.length - 1]!);
    // Error-per-step control with local extrapolation: err ∝ rtol^(p/(q+1)) = rtol¹ asymptotically;
    // DOP853 is the least proportional at loose tolerances (≈ 0.7).
    expect(slope).toBeGreaterThan(0.6);
    expect(slope).toBeLessThan(1.2);
  });
});
