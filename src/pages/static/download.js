// Downloads of a column: its samples as CSV, its plot (or an image montage) as PNG.

/** float32 values printed with the 7 significant digits they carry. */
const f32 = (v) => String(Number(v.toPrecision(7)));
const full = (v) => (Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN');

/** One row per sample: index, logit, acceptance probability, then the values (x, y for 2-D). */
export function samplesCsv(samples, dim) {
  const names = dim === 1 ? ['x'] : dim === 2 ? ['x', 'y'] : Array.from({ length: dim }, (_, i) => `v${i}`);
  const lines = [['index', 'logit', 'acceptance_probability', ...names].join(',')];
  samples.forEach((s, i) => {
    lines.push([i + 1, full(s.logit), full(s.acceptanceProbability), ...Array.from(s.values, f32)].join(','));
  });
  return `${lines.join('\n')}\n`;
}

export function saveBlob(filename, blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const canvasPng = (canvas) =>
  new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas could not be encoded'))), 'image/png'));

const MONTAGE_MAX = 1024;
/** Up to 1024 images on one canvas, in order, 1 px apart (the image column's "plot"). */
export async function montage(samples) {
  const shown = samples.slice(0, MONTAGE_MAX);
  const images = await Promise.all(
    shown.map(async (s) => {
      const img = new Image();
      img.src = s.png;
      await img.decode();
      return img;
    }),
  );
  const w = images[0]?.naturalWidth ?? 28;
  const h = images[0]?.naturalHeight ?? 28;
  const cols = Math.max(1, Math.ceil(Math.sqrt(images.length)));
  const rows = Math.max(1, Math.ceil(images.length / cols));
  const canvas = document.createElement('canvas');
  canvas.width = cols * (w + 1) + 1;
  canvas.height = rows * (h + 1) + 1;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#111';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  images.forEach((img, i) => ctx.drawImage(img, 1 + (i % cols) * (w + 1), 1 + Math.floor(i / cols) * (h + 1)));
  return canvas;
}

/** A file-name-safe slug of a column's label. */
export const slug = (text) =>
  text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
