/** Statistical tolerance of the Monte Carlo checks: |MC − exact| < Z_MAX standard errors. */
export const Z_MAX = 5;

/** The z-score of a Monte Carlo mean against an exact value. */
export function zScore(mean: number, stderr: number, exact: number): number {
  return Math.abs(mean - exact) / stderr;
}
