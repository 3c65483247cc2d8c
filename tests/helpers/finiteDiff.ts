/**
 * Directional derivative by the 5-point central stencil (exact for polynomials of degree ≤ 4, which
 * covers every risk along a line in GD-β parameters; otherwise O(h⁴)).
 */
export function directionalDerivative(f: (t: number) => number, h: number): number {
  return (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h);
}

/** ⟨a, b⟩ over flat arrays. */
export function inner(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}

/** x + t·v (new array). */
export function along(x: Float64Array, v: Float64Array, t: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) out[k] = x[k]! + t * v[k]!;
  return out;
}
