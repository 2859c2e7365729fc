// Small line charts on canvas (no library): one running metric against proposals drawn.

const COLORS = { line: '#1f4ea0', axis: '#9aa3b5', grid: '#eef0f4', text: '#555' };
const PAD = { left: 44, right: 8, top: 6, bottom: 16 };

const compact = (v) => (Math.abs(v) >= 1e6 ? `${(v / 1e6).toPrecision(3)}M` : Math.abs(v) >= 1e3 ? `${(v / 1e3).toPrecision(3)}k` : String(Math.round(v)));

/**
 * A chart: { el, push(x, y), points }. `scale`: 'unit' (0–1), 'zero' (0 to the largest value) or
 * 'auto' (the values' range); `format` writes a y value for the axis and the title.
 */
export function createChart({ title, scale = 'auto', format = (v) => v.toPrecision(3), metric }) {
  const el = document.createElement('figure');
  el.className = 'chart';
  el.dataset.chart = metric;
  const caption = document.createElement('figcaption');
  const canvas = document.createElement('canvas');
  canvas.height = 80;
  el.append(caption, canvas);
  const points = []; // [proposals, value]
  let pending = false;

  const yBounds = () => {
    const ys = points.map((p) => p[1]);
    const hi = Math.max(...ys);
    const lo = Math.min(...ys);
    if (scale === 'unit') return [0, 1];
    if (scale === 'zero') return [0, hi > 0 ? Math.min(1, hi * 1.1) : 1];
    const span = hi - lo || Math.abs(hi) * 0.1 || 1;
    return [lo - span * 0.1, hi + span * 0.1];
  };

  function draw() {
    pending = false;
    const last = points.at(-1);
    caption.textContent = `${title}${last ? `: ${format(last[1])}` : ''}`;
    el.dataset.points = String(points.length);
    const dpr = globalThis.devicePixelRatio || 1;
    const width = Math.max(120, canvas.clientWidth || 300);
    const height = 80;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = COLORS.text;
    const plotW = width - PAD.left - PAD.right;
    const plotH = height - PAD.top - PAD.bottom;
    ctx.strokeStyle = COLORS.axis;
    ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, plotW, plotH);
    if (points.length === 0) return;
    const xMax = Math.max(1, last[0]);
    const [yLo, yHi] = yBounds();
    const px = (x) => PAD.left + (x / xMax) * plotW;
    const py = (y) => PAD.top + plotH - ((y - yLo) / (yHi - yLo)) * plotH;
    ctx.textAlign = 'right';
    ctx.fillText(format(yHi), PAD.left - 3, PAD.top + 8);
    ctx.fillText(format(yLo), PAD.left - 3, PAD.top + plotH);
    ctx.textAlign = 'left';
    ctx.fillText('0', PAD.left, height - 3);
    ctx.textAlign = 'right';
    ctx.fillText(`${compact(xMax)} proposals`, PAD.left + plotW, height - 3);
    ctx.strokeStyle = COLORS.line;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
    ctx.stroke();
    if (points.length === 1) ctx.fillRect(px(last[0]) - 1.5, py(last[1]) - 1.5, 3, 3);
  }

  return {
    el,
    points,
    push(x, y) {
      if (y === null || y === undefined || !Number.isFinite(y)) return;
      points.push([x, y]);
      if (!pending) {
        pending = true;
        requestAnimationFrame(draw);
      }
    },
    draw,
  };
}
