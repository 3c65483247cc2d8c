/**
 * Text-width estimation for vega in Node without the `canvas` package.
 *
 * Vega measures text with a canvas when one is available; otherwise it falls back to
 * `0.8 · fontSize · length`, which overestimates typical text by ~50 % and leaves big gaps
 * (wide legends, truncated labels). We plug in per-character advance widths of Helvetica
 * (identical to Arial / Liberation Sans, the first fonts of {@link FIGURE_FONT}), which is
 * what browsers actually draw the inlined SVG with.
 *
 * @module
 */
import * as vega from 'vega';

// Advance widths in 1/1000 em for ASCII 32..126 (Adobe Helvetica AFM).
const REGULAR = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '..'/'
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // '0'..'?'
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // '@'..'O'
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 'P'..'_'
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // '`'..'o'
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p'..'~'
];
const BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
  975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
  333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
  611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];
// A few non-ASCII characters likely in figure text; others get 0.6 em.
const EXTRA: Record<string, number> = {
  '−': 584, '–': 556, '—': 1000, '·': 278, '×': 584, '±': 584, '≤': 549, '≥': 549, '≈': 549,
  '‖': 400, '∥': 400, '∞': 713, '√': 549, '²': 333, '³': 333, '⁻': 333, '¹': 333,
  'α': 600, 'β': 570, 'γ': 500, 'δ': 556, 'ε': 480, 'η': 556, 'θ': 556, 'λ': 500, 'μ': 576,
  'π': 600, 'ρ': 556, 'σ': 600, 'τ': 450, 'φ': 650, 'ψ': 690, 'ω': 700, 'Σ': 611, 'Δ': 667,
  'Γ': 556, 'Λ': 667, 'Ω': 768, '…': 1000, '★': 800, '∗': 500, '′': 250,
};

/**
 * Width in pixels of `text` in the figure font at `fontSize`, bold when `bold`.
 * Exported for tests; used by vega through {@link installTextMetrics}.
 */
export function estimateTextWidth(text: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 32 && code <= 126) units += table[code - 32]!;
    else units += EXTRA[ch] ?? 600;
  }
  return (units * fontSize) / 1000;
}

interface VegaTextItem {
  text?: unknown;
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
}
interface VegaTextMetrics {
  width: (item: VegaTextItem, text?: unknown) => number;
  estimateWidth: (item: VegaTextItem, text?: unknown) => number;
}

function itemWidth(item: VegaTextItem, text?: unknown): number {
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  const raw = text == null ? '' : String(text).trim();
  const w = item.fontWeight;
  const bold = w === 'bold' || w === 'bolder' || (typeof w === 'number' && w >= 600) || (typeof w === 'string' && Number(w) >= 600);
  const width = estimateTextWidth(raw, size, bold);
  // vega truncates text longer than `limit` (with an ellipsis) before drawing it.
  return item.limit != null && item.limit > 0 ? Math.min(width, item.limit) : width;
}

let installed = false;

/**
 * Makes vega use {@link estimateTextWidth} when it has no canvas for measuring (the usual case
 * in Node, where the optional `canvas` package is absent). Idempotent; leaves a canvas-based
 * measurer alone. Returns `true` when our estimator is active.
 */
export function installTextMetrics(): boolean {
  const tm = (vega as unknown as { textMetrics?: VegaTextMetrics }).textMetrics;
  if (!tm) return false;
  if (installed) return tm.width === itemWidth;
  installed = true;
  if (tm.width === tm.estimateWidth) tm.width = itemWidth;
  return tm.width === itemWidth;
}
