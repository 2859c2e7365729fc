// The scatter plot of a vector model's samples: points drawn incrementally on one canvas, the
// mode centres under them, and the highest/lowest-acceptance samples marked on an overlay.

const SIZE = 400;
export const MARK_COLORS = { high: '#0a8f3c', low: '#d9480f' };

/** Deterministic vertical jitter for 1-D samples, so the same run draws the same picture. */
const jitter = (i) => ((Math.sin(i * 12.9898) * 43758.5453) % 1) * 0.2;

export function createScatter(model) {
  const centers = model.mixture2d?.centers ?? [];
  const extent = centers.length ? Math.ceil(Math.max(...centers.flat().map(Math.abs)) + 1) : 3;
  const el = document.createElement('div');
  el.className = 'plot';
  const base = document.createElement('canvas');
  const overlay = document.createElement('canvas');
  base.className = 'scatter';
  overlay.className = 'marks';
  for (const c of [base, overlay]) c.width = c.height = SIZE;
  el.append(base, overlay);
  const ctx = base.getContext('2d');
  const toPx = (x, y) => [((x + extent) / (2 * extent)) * SIZE, SIZE - ((y + extent) / (2 * extent)) * SIZE];

  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, SIZE, SIZE);
  ctx.strokeStyle = '#eee';
  ctx.fillStyle = '#999';
  ctx.font = '10px system-ui, sans-serif';
  for (let v = -extent; v <= extent; v++) {
    const [x] = toPx(v, 0);
    const [, y] = toPx(0, v);
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, SIZE);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(0, y);
    ctx.lineTo(SIZE, y);
    ctx.stroke();
    if (v > -extent && v < extent) ctx.fillText(String(v), x + 2, SIZE - 3);
  }
  ctx.strokeStyle = '#d22';
  for (const [cx, cy] of centers) {
    const [x, y] = toPx(cx, cy);
    ctx.beginPath();
    ctx.moveTo(x - 5, y);
    ctx.lineTo(x + 5, y);
    ctx.moveTo(x, y - 5);
    ctx.lineTo(x, y + 5);
    ctx.stroke();
  }

  let drawn = 0;
  const point = (values) => (values.length >= 2 ? [values[0], values[1]] : [values[0], jitter(drawn)]);
  return {
    el,
    /** Draws `n` samples of `dim` values each from `flat`. */
    add(flat, dim, n) {
      ctx.fillStyle = 'rgba(31, 78, 160, 0.35)';
      for (let i = 0; i < n; i++) {
        const [x, y] = toPx(...point(flat.subarray(i * dim, i * dim + dim)));
        ctx.fillRect(x - 1, y - 1, 2.5, 2.5);
        drawn++;
      }
    },
    /** Rings the highest- and lowest-acceptance samples (`{ values }` each). */
    mark(high, low) {
      const o = overlay.getContext('2d');
      o.clearRect(0, 0, SIZE, SIZE);
      o.lineWidth = 2;
      for (const [items, color] of [
        [low, MARK_COLORS.low],
        [high, MARK_COLORS.high],
      ]) {
        o.strokeStyle = color;
        for (const s of items) {
          const [x, y] = toPx(s.values[0], s.values.length >= 2 ? s.values[1] : 0);
          o.beginPath();
          o.arc(x, y, 6, 0, 2 * Math.PI);
          o.stroke();
        }
      }
    },
    /** The plot with its marks, as one canvas (for the PNG download). */
    snapshot() {
      const out = document.createElement('canvas');
      out.width = out.height = SIZE;
      const o = out.getContext('2d');
      o.drawImage(base, 0, 0);
      o.drawImage(overlay, 0, 0);
      return out;
    },
  };
}
