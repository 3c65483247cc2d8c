import { describe, expect, it } from 'vitest';
import {
  ConstantStepSize,
  DEFAULT_MAX_STEPS,
  MAX_NONFINITE_RETRIES,
  MIN_RTOL,
  OdeSolveError,
  PIController,
  STATUS_MESSAGES,
  dop853,
  dopri5,
  euler,
  rodas4,
  rosenbrock,
  solve,
  type Method,
  type StepInfo,
  type VectorField,
} from '../../../src/flow/ode/index.js';
import { ALL_TABLEAUS, Y0, exactLinear, linearField, maxAbsDiff, spectralSolver } from './helpers.js';

const decay: VectorField = (_t, y, out) => {
  out[0] = -(y[0] as number);
};
/** y′ = y², y(0) = 1: y = 1/(1 − t), blows up at t = 1. */
const blowUp: VectorField = (_t, y, out) => {
  out[0] = (y[0] as number) * (y[0] as number);
};
const adaptive = { rtol: 1e-8, atol: 1e-10 };

describe('solve: every status, on purpose', () => {
  it('success', () => {
    const sol = solve(decay, Float64Array.of(1), [0, 2], dopri5, adaptive);
    expect(sol.status).toBe('success');
    expect(sol.message).toBe(STATUS_MESSAGES.success);
    expect(sol.t).toBe(2);
    expect(Math.abs((sol.y[0] as number) - Math.exp(-2))).toBeLessThan(1e-8);
  });

  it('maxStepsReached (counting accepted + rejected attempts)', () => {
    const sol = solve(decay, Float64Array.of(1), [0, 100], dopri5, { ...adaptive, maxSteps: 5, throwOnFailure: false });
    expect(sol.status).toBe('maxStepsReached');
    expect(sol.message).toBe(STATUS_MESSAGES.maxStepsReached);
    expect(sol.stats.accepted + sol.stats.rejected).toBe(5);
    expect(sol.t).toBeLessThan(100);
  });

  it('stepSizeTooSmall: y′ = y² past the blow-up at t = 1 with dtMin', () => {
    const sol = solve(blowUp, Float64Array.of(1), [0, 2], dopri5, { ...adaptive, dtMin: 1e-8, throwOnFailure: false });
    expect(sol.status).toBe('stepSizeTooSmall');
    expect(sol.t).toBeLessThan(1);
    expect(sol.t).toBeGreaterThan(0.99);
    expect(Number.isFinite(sol.y[0])).toBe(true);
  });

  it('stepSizeTooSmall without dtMin: the 10·eps·|t| floor stops the approach to the singularity', () => {
    const sol = solve(blowUp, Float64Array.of(1), [0, 2], dopri5, { ...adaptive, throwOnFailure: false });
    expect(sol.status).toBe('stepSizeTooSmall');
    expect(Math.abs(sol.t - 1)).toBeLessThan(1e-6);
  });

  it('nonFiniteState: fixed-step Euler on y′ = y² overflows', () => {
    const sol = solve(blowUp, Float64Array.of(1), [0, 10], euler, { controller: new ConstantStepSize(), dt0: 0.5, throwOnFailure: false });
    expect(sol.status).toBe('nonFiniteState');
    expect(sol.message).toBe(STATUS_MESSAGES.nonFiniteState);
    // The returned state is the last finite one.
    expect(Number.isFinite(sol.y[0])).toBe(true);
    expect(sol.t).toBeLessThan(10);
  });

  it('nonFiniteState: fixed-step Euler with too large a step on y′ = −100 y', () => {
    const stiff: VectorField = (_t, y, out) => {
      out[0] = -100 * (y[0] as number);
    };
    const sol = solve(stiff, Float64Array.of(1), [0, 100], euler, { controller: new ConstantStepSize(), dt0: 0.1, throwOnFailure: false });
    expect(sol.status).toBe('nonFiniteState'); // |1 − 100·0.1| = 9 per step overflows after ~323 steps
    expect(sol.stats.accepted).toBeGreaterThan(300);
  });

  it(`nonFiniteState (adaptive): after ${MAX_NONFINITE_RETRIES} shrinking retries`, () => {
    const nanAfterStart: VectorField = (t, y, out) => {
      out[0] = t === 0 ? -(y[0] as number) : NaN;
    };
    const sol = solve(nanAfterStart, Float64Array.of(1), [0, 1], dopri5, { ...adaptive, throwOnFailure: false });
    expect(sol.status).toBe('nonFiniteState');
    expect(sol.stats.rejected).toBe(MAX_NONFINITE_RETRIES + 1);
    expect(sol.stats.accepted).toBe(0);
    expect(sol.t).toBe(0);
  });

  it('event', () => {
    const sol = solve(decay, Float64Array.of(1), [0, 10], dopri5, { ...adaptive, events: [{ g: (_t, y) => (y[0] as number) - 0.5, terminal: true }] });
    expect(sol.status).toBe('event');
    expect(Math.abs(sol.t - Math.LN2)).toBeLessThan(1e-8);
  });

  it('steadyState: stops once ‖f(t, y)‖ < tol, f evaluated fresh at the accepted state (FSAL: free)', () => {
    const tol = 1e-6;
    const sol = solve(decay, Float64Array.of(1), [0, 100], dopri5, { ...adaptive, steadyState: { tol } });
    expect(sol.status).toBe('steadyState');
    expect(sol.message).toBe(STATUS_MESSAGES.steadyState);
    expect(Math.abs(sol.y[0] as number)).toBeLessThan(tol); // ‖f‖ = |y|
    expect(sol.t).toBeGreaterThan(Math.log(1 / tol) - 0.5);
    // Same work as a plain solve stopped at the same time: no extra evaluations for the test.
    const plain = solve(decay, Float64Array.of(1), [0, sol.t], dopri5, adaptive);
    expect(sol.stats.accepted).toBe(plain.stats.accepted);
    expect(sol.stats.nfev).toBe(2 + 6 * (sol.stats.accepted + sol.stats.rejected));
  });

  it("steadyState with the 'inf' norm on a non-FSAL method counts the fresh evaluation it uses", () => {
    const sol = solve(decay, Float64Array.of(1), [0, 100], dop853, { ...adaptive, steadyState: { tol: 1e-6, norm: 'inf' } });
    expect(sol.status).toBe('steadyState');
    // f0 + probe + 11 stages per attempt + f(t + h, y₁) per accepted step (reused as the next k1).
    expect(sol.stats.nfev).toBe(2 + 11 * (sol.stats.accepted + sol.stats.rejected) + sol.stats.accepted);
  });

  it('steadyState at t0: a stationary point stays put with zero steps', () => {
    const sol = solve(decay, Float64Array.of(0), [0, 1], dopri5, { ...adaptive, steadyState: { tol: 1e-12 } });
    expect(sol.status).toBe('steadyState');
    expect(sol.t).toBe(0);
    expect(sol.stats.accepted).toBe(0);
  });

  it('a stationary point stays put exactly', () => {
    const sol = solve(decay, Float64Array.of(0), [0, 5], dopri5, adaptive);
    expect(sol.y[0]).toBe(0);
  });

  it('cancelled: the callback sees every accepted step and can stop', () => {
    const seen: StepInfo[] = [];
    const sol = solve(decay, Float64Array.of(1), [0, 10], dopri5, {
      ...adaptive,
      callback: (info) => {
        seen.push({ ...info, y: Float64Array.from(info.y) });
        return info.step === 3 ? 'stop' : undefined;
      },
    });
    expect(sol.status).toBe('cancelled');
    expect(sol.message).toBe('The callback returned "stop".');
    expect(sol.stats.accepted).toBe(3);
    expect(seen.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(sol.t).toBe(seen[2]!.t);
    expect(seen[1]!.t - seen[0]!.t).toBe(seen[1]!.dt);
  });

  it('throws OdeSolveError with the partial solution on failure by default', () => {
    let caught: unknown;
    try {
      solve(decay, Float64Array.of(1), [0, 100], dopri5, { ...adaptive, maxSteps: 3 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OdeSolveError);
    const err = caught as OdeSolveError;
    expect(err.solution.status).toBe('maxStepsReached');
    expect(err.message).toMatch(/^maxStepsReached at t = /);
  });

  it('has a finite default maxSteps', () => {
    expect(DEFAULT_MAX_STEPS).toBe(100_000);
  });
});

const SPAN_CASES: readonly (readonly [string, () => Method, boolean])[] = [
  ...ALL_TABLEAUS.map((e) => [e.tableau.name, () => e.tableau, e.adaptive] as const),
  ['rodas4', () => rosenbrock(rodas4, { linearSolver: spectralSolver() }), true] as const,
];

describe.each(SPAN_CASES)('forward and backward spans with %s', (_name, method, isAdaptive) => {
  const opts = isAdaptive ? { rtol: 1e-9, atol: 1e-11 } : { controller: new ConstantStepSize(), dt0: 1 / 512 };
  const bound = isAdaptive ? 1e-7 : _name === 'euler' ? 1e-2 : 1e-7;

  it('integrates forward [0, 1] and backward [1, 0] to the exact solution', () => {
    const fwd = solve(linearField, Y0, [0, 1], method(), opts);
    expect(fwd.t).toBe(1);
    expect(maxAbsDiff(fwd.y, exactLinear(1))).toBeLessThan(bound);
    const bwd = solve(linearField, exactLinear(1), [1, 0], method(), { ...opts, saveAt: { kind: 'steps' } });
    expect(bwd.status).toBe('success');
    expect(bwd.t).toBe(0);
    expect(maxAbsDiff(bwd.y, Y0)).toBeLessThan(bound * 20); // backward the modes grow (e^{3})
    for (let i = 1; i < bwd.ts.length; i++) expect(bwd.ts[i]).toBeLessThan(bwd.ts[i - 1] as number);
  });

  it('backward dense output is consistent', () => {
    if (!isAdaptive) return;
    const bwd = solve(linearField, exactLinear(1), [1, 0], method(), { ...opts, dense: true });
    expect(maxAbsDiff(bwd.evaluate(0.3), exactLinear(0.3))).toBeLessThan(1e-6);
  });
});

describe('fixed steps', () => {
  it('explicit Euler with dt0 = η is gradient descent with learning rate η, bit for bit', () => {
    const eta = 0.01;
    const grad = (w: Float64Array, out: Float64Array) => {
      out[0] = 2 * ((w[0] as number) - 1) + (w[1] as number);
      out[1] = (w[0] as number) + 4 * (w[1] as number);
    };
    const field: VectorField = (_t, w, out) => {
      grad(w, out);
      out[0] = -(out[0] as number);
      out[1] = -(out[1] as number);
    };
    const sol = solve(field, Float64Array.of(3, -2), [0, 1], euler, { controller: new ConstantStepSize(), dt0: eta });
    const w = Float64Array.of(3, -2);
    const g = new Float64Array(2);
    for (let k = 0; k < 100; k++) {
      grad(w, g);
      w[0] = (w[0] as number) + eta * -(g[0] as number);
      w[1] = (w[1] as number) + eta * -(g[1] as number);
    }
    expect(sol.stats.accepted).toBe(100);
    expect(sol.y).toEqual(w);
  });

  it('shortens only the last step when dt0 does not divide the span', () => {
    const steps: number[] = [];
    const sol = solve(decay, Float64Array.of(1), [0, 1], euler, {
      controller: new ConstantStepSize(),
      dt0: 0.3,
      callback: (i) => void steps.push(i.dt),
      saveAt: { kind: 'steps' },
    });
    expect(steps.slice(0, 3)).toEqual([0.3, 0.3, 0.3]);
    expect(steps).toHaveLength(4);
    expect(Math.abs((steps[3] as number) - 0.1)).toBeLessThan(1e-15);
    expect([...sol.ts].map((t) => Math.round(t * 10) / 10)).toEqual([0, 0.3, 0.6, 0.9, 1]);
    expect(sol.t).toBe(1);
  });

  it('t0 = t1 returns y0 with zero steps', () => {
    const sol = solve(decay, Float64Array.of(2), [1, 1], dopri5, adaptive);
    expect(sol.status).toBe('success');
    expect(sol.y).toEqual(Float64Array.of(2));
    expect(sol.stats.accepted).toBe(0);
  });

  it('does not modify y0', () => {
    const y0 = Float64Array.of(1);
    solve(decay, y0, [0, 1], dopri5, adaptive);
    expect(y0[0]).toBe(1);
  });
});

describe('solve validation (typed errors naming the field)', () => {
  it('accepts rtol = MIN_RTOL = 100·eps exactly (the floor is inclusive)', () => {
    expect(MIN_RTOL).toBe(100 * Number.EPSILON);
    const sol = solve(decay, Float64Array.of(1), [0, 1], dopri5, { rtol: MIN_RTOL, atol: 0 });
    expect(sol.status).toBe('success');
    expect(Math.abs((sol.y[0] as number) - Math.exp(-1))).toBeLessThan(1e-13);
  });

  const y0 = Float64Array.of(1);
  it.each([
    ['negative rtol', () => solve(decay, y0, [0, 1], dopri5, { rtol: -1, atol: 1e-8 }), RangeError, 'options.rtol must be > 0 and finite, got -1'],
    ['NaN in y0', () => solve(decay, Float64Array.of(0, 0, 0, NaN), [0, 1], dopri5, adaptive), RangeError, 'y0[3] is NaN, must be finite'],
    ['rtol below 100·eps', () => solve(decay, y0, [0, 1], dopri5, { rtol: 1e-15, atol: 0 }), RangeError, /options.rtol = 1e-15 is below 100·eps = 2.220e-14 \(MIN_RTOL\)/],
    ['rtol entry below 100·eps', () => solve(decay, y0, [0, 1], dopri5, { rtol: Float64Array.of(1e-20), atol: 0 }), RangeError, /options.rtol\[0\] = 1e-20 is below 100·eps/],
    ['missing rtol', () => solve(decay, y0, [0, 1], dopri5, { atol: 1e-8 }), RangeError, /options.rtol is required with an adaptive \(PI\) controller/],
    ['missing atol', () => solve(decay, y0, [0, 1], dopri5, { rtol: 1e-8 }), RangeError, /options.atol is required/],
    ['negative atol entry', () => solve(decay, y0, [0, 1], dopri5, { rtol: 1e-8, atol: Float64Array.of(-1) }), RangeError, 'options.atol[0] must be ≥ 0 and finite, got -1'],
    ['atol of the wrong length', () => solve(decay, y0, [0, 1], dopri5, { rtol: 1e-8, atol: Float64Array.of(1, 1) }), RangeError, /options.atol has length 2/],
    ['a fixed-step method without dt0', () => solve(decay, y0, [0, 1], euler), RangeError, 'options.dt0 is required with ConstantStepSize (the fixed step size)'],
    ['an adaptive controller for a method without estimate', () => solve(decay, y0, [0, 1], euler, { controller: new PIController(), ...adaptive }), RangeError, /method euler has no embedded error estimate/],
    ['rtol with ConstantStepSize', () => solve(decay, y0, [0, 1], dopri5, { controller: new ConstantStepSize(), dt0: 0.1, rtol: 1e-3 }), RangeError, /options.rtol has no effect with ConstantStepSize/],
    ['dt0 ≤ 0', () => solve(decay, y0, [0, 1], euler, { controller: new ConstantStepSize(), dt0: -0.1 }), RangeError, 'options.dt0 must be > 0 and finite, got -0.1'],
    ['dtMin > dtMax', () => solve(decay, y0, [0, 1], dopri5, { ...adaptive, dtMin: 1, dtMax: 0.1 }), RangeError, /options.dtMin \(1\) must not exceed options.dtMax \(0.1\)/],
    ['fractional maxSteps', () => solve(decay, y0, [0, 1], dopri5, { ...adaptive, maxSteps: 2.5 }), RangeError, /options.maxSteps must be a positive integer or Infinity, got 2.5/],
    ['an unknown option', () => solve(decay, y0, [0, 1], dopri5, { ...adaptive, tol: 1 } as never), RangeError, /options.tol is not a solve option/],
    ['a non-finite t1', () => solve(decay, y0, [0, Infinity], dopri5, adaptive), RangeError, 'span[1] (t1) must be finite, got Infinity'],
    ['y0 not a Float64Array', () => solve(decay, [1] as never, [0, 1], dopri5, adaptive), TypeError, 'y0 must be a Float64Array'],
    ['an unknown method', () => solve(decay, y0, [0, 1], { kind: 'implicit' } as never, adaptive), TypeError, /method must be a Butcher tableau/],
    ['a bad steadyState.tol', () => solve(decay, y0, [0, 1], dopri5, { ...adaptive, steadyState: { tol: 0 } }), RangeError, 'options.steadyState.tol must be > 0 and finite, got 0'],
    ['a bad steadyState.norm', () => solve(decay, y0, [0, 1], dopri5, { ...adaptive, steadyState: { tol: 1, norm: 'l1' as never } }), RangeError, /steadyState.norm must be 'rms' or 'inf'/],
    ['a non-function callback', () => solve(decay, y0, [0, 1], dopri5, { ...adaptive, callback: 1 as never }), TypeError, 'options.callback must be a function'],
  ] as const)('rejects %s', (_label, run, type, message) => {
    expect(run).toThrow(type);
    expect(run).toThrow(message);
  });
});
