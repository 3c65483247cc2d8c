import { describe, expect, it } from 'vitest';
import { ConstantStepSize, brentRoot, rk4, rodas4, rosenbrock, solve, type EventSpec, type Method, type VectorField } from '../../../src/flow/ode/index.js';
import { ADAPTIVE_TABLEAUS, TOL } from './helpers.js';

/** Harmonic oscillator y″ = −y, y(0) = (1, 0): y = (cos t, −sin t). */
const oscillator: VectorField = (_t, y, out) => {
  out[0] = y[1] as number;
  out[1] = -(y[0] as number);
};
const Y0 = Float64Array.of(1, 0);
const crossing: EventSpec = { g: (_t, y) => y[0] as number };

describe('brentRoot', () => {
  it('finds roots to the requested tolerance', () => {
    const r = brentRoot(Math.cos, 0, 3, 1, Math.cos(3), 1e-15);
    expect(Math.abs(r - Math.PI / 2)).toBeLessThan(1e-15);
    const cube = (x: number) => x ** 3 - 2;
    expect(Math.abs(brentRoot(cube, 0, 2, -2, 6, 1e-14) - Math.cbrt(2))).toBeLessThan(1e-14);
  });
  it('returns an endpoint that is already a root, and works on reversed brackets', () => {
    expect(brentRoot((x) => x - 1, 1, 2, 0, 1, 1e-12)).toBe(1);
    expect(brentRoot((x) => x - 1, 0, 1, -1, 0, 1e-12)).toBe(1);
    expect(Math.abs(brentRoot((x) => x - 0.3, 1, 0, 0.7, -0.3, 1e-14) - 0.3)).toBeLessThan(1e-14);
  });
  it('needs few evaluations on a smooth function', () => {
    let calls = 0;
    brentRoot(
      (x) => {
        calls++;
        return Math.exp(x) - 2;
      },
      0,
      1,
      -1,
      Math.E - 2,
      1e-13,
    );
    expect(calls).toBeLessThan(12);
  });
});

describe('events on the oscillator', () => {
  it('a terminal downward crossing stops at t = π/2 (dop853, rtol 1e-12)', () => {
    const sol = solve(oscillator, Y0, [0, 10], ADAPTIVE_TABLEAUS.find((T) => T.name === 'dop853')!, {
      rtol: 1e-12,
      atol: 1e-12,
      events: [{ ...crossing, direction: -1, terminal: true, name: 'zero' }],
      saveAt: { kind: 'steps' },
    });
    expect(sol.status).toBe('event');
    expect(sol.message).toBe('A terminal event stopped the integration.');
    expect(Math.abs(sol.t - Math.PI / 2)).toBeLessThan(TOL.eventTime * Math.PI);
    expect(Math.abs((sol.y[0] as number) - 0)).toBeLessThan(1e-10);
    expect(Math.abs((sol.y[1] as number) + 1)).toBeLessThan(1e-10);
    expect(sol.events).toHaveLength(1);
    expect(sol.events[0]).toMatchObject({ index: 0, name: 'zero', direction: -1, terminal: true, t: sol.t });
    expect(sol.ts[sol.ts.length - 1]).toBe(sol.t);
  });

  it('non-terminal events are all located; direction filters them', () => {
    const both = solve(oscillator, Y0, [0, 10], ADAPTIVE_TABLEAUS[1]!, { rtol: 1e-10, atol: 1e-12, events: [crossing] });
    expect(both.status).toBe('success');
    expect(both.events.map((e) => e.direction)).toEqual([-1, 1, -1]);
    both.events.forEach((e, i) => expect(Math.abs(e.t - (Math.PI / 2 + i * Math.PI))).toBeLessThan(1e-8));
    const up = solve(oscillator, Y0, [0, 10], ADAPTIVE_TABLEAUS[1]!, { rtol: 1e-10, atol: 1e-12, events: [{ ...crossing, direction: 1 }] });
    expect(up.events.map((e) => Math.round((e.t / Math.PI) * 2))).toEqual([3]);
  });

  it('several events: ordered in time, cut after the first terminal one', () => {
    const sol = solve(oscillator, Y0, [0, 10], ADAPTIVE_TABLEAUS[1]!, {
      rtol: 1e-10,
      atol: 1e-12,
      events: [
        { g: (_t, y) => y[1] as number, terminal: false, name: 'velocity' }, // zeros at π, 2π, …
        { g: (t) => t - 4, terminal: true, name: 'clock' },
        crossing,
      ],
    });
    expect(sol.status).toBe('event');
    // cos t = 0 at π/2, sin t = 0 at π, clock at 4 (< 3π/2).
    expect(sol.events.map((e) => e.name)).toEqual([undefined, 'velocity', 'clock']);
    expect(Math.abs(sol.t - 4)).toBeLessThan(1e-12 * 4);
  });

  it('a later crossing inside the same step as a terminal event is dropped', () => {
    const sol = solve(oscillator, Y0, [0, 10], rk4, {
      controller: new ConstantStepSize(),
      dt0: 1,
      events: [
        { g: (t) => t - 4.6, name: 'late' },
        { g: (t) => t - 4.5, terminal: true, name: 'stop' },
        { g: (t) => t - 4.25, name: 'early' },
      ],
    });
    expect(sol.events.map((e) => e.name)).toEqual(['early', 'stop']);
    expect(Math.abs(sol.t - 4.5)).toBeLessThan(1e-12 * 4.5);
    expect(sol.stats.accepted).toBe(5);
  });

  it('works backward in time: direction is judged along the integration', () => {
    // From t = 2π back to 0: y0 = cos t goes 1 → 0 (at 3π/2) → −1 → 0 (at π/2) → 1.
    const sol = solve(oscillator, Y0, [2 * Math.PI, 0], ADAPTIVE_TABLEAUS[1]!, { rtol: 1e-10, atol: 1e-12, events: [{ ...crossing, direction: -1 }] });
    expect(sol.events).toHaveLength(1);
    expect(Math.abs(sol.events[0]!.t - 1.5 * Math.PI)).toBeLessThan(1e-8);
  });

  const methods: readonly (readonly [string, () => Method])[] = [
    ...ADAPTIVE_TABLEAUS.map((T) => [T.name, () => T] as const),
    [
      'rodas4',
      () =>
        rosenbrock(rodas4, {
          linearSolver: (() => {
            // Exact solves with I − γh·[[0, 1], [−1, 0]]: det = 1 + (γh)².
            let g = 0;
            return {
              stats: { jacobianEvaluations: 0, factorizations: 0, linearSolves: 0 },
              prepare(_t: number, _y: Float64Array, gh: number) {
                g = gh;
              },
              solve(out: Float64Array, rhs: Float64Array) {
                const det = 1 + g * g;
                out[0] = ((rhs[0] as number) + g * (rhs[1] as number)) / det;
                out[1] = ((rhs[1] as number) - g * (rhs[0] as number)) / det;
              },
            };
          })(),
        }),
    ] as const,
  ];
  it.each(methods)('%s locates the event to the accuracy of its dense output (rtol 1e-10)', (_name, method) => {
    const sol = solve(oscillator, Y0, [0, 3], method(), { rtol: 1e-10, atol: 1e-10, events: [{ ...crossing, terminal: true }] });
    expect(sol.status).toBe('event');
    expect(Math.abs(sol.t - Math.PI / 2)).toBeLessThan(1e-8);
  });

  it('validates the event specs', () => {
    const T = ADAPTIVE_TABLEAUS[1]!;
    const o = { rtol: 1e-6, atol: 1e-6 };
    expect(() => solve(oscillator, Y0, [0, 1], T, { ...o, events: [{ g: 3 } as never] })).toThrow('options.events[0].g must be a function (t, y) => number');
    expect(() => solve(oscillator, Y0, [0, 1], T, { ...o, events: [crossing, { ...crossing, direction: 2 as never }] })).toThrow(
      'options.events[1].direction must be -1, 0 or 1, got 2',
    );
    expect(() => solve(oscillator, Y0, [0, 1], T, { ...o, events: [{ ...crossing, terminal: 'yes' as never }] })).toThrow(/terminal must be a boolean/);
  });
});
