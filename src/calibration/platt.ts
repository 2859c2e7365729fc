/**
 * Platt scaling: logistic regression of the label on D's logit, `p = σ(a·D̃ + b)`, fitted by
 * Newton's method. A small ridge on `a` (as scikit-learn's default) keeps separable data finite.
 */

export interface PlattFit {
  readonly a: number;
  readonly b: number;
}

const RIDGE = 1;
const MAX_ITERATIONS = 100;

/** Fits `a`, `b` on finite logits with labels 1 (real) or 0 (generated): Newton steps from (0, 0), halved until the loss drops. */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>): PlattFit {
  const n = logits.length;
  if (n === 0 || labels.length !== n) throw new RangeError(`fitPlatt: need as many labels as logits (got ${n} and ${labels.length}), at least one`);
  let a = 0;
  let b = 0;
  let current = loss(logits, labels, a, b);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    // Gradient and Hessian of Σ log-loss + RIDGE·a²/2.
    let ga = RIDGE * a;
    let gb = 0;
    let haa = RIDGE;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const x = logits[i] as number;
      const p = sigmoid(a * x + b);
      const r = p - (labels[i] as number);
      const w = p * (1 - p);
      ga += r * x;
      gb += r;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let step = 1;
    let next = loss(logits, labels, a - da, b - db);
    while (!(next <= current) && step > 1e-10) {
      step /= 2;
      next = loss(logits, labels, a - step * da, b - step * db);
    }
    if (!(next <= current)) break;
    a -= step * da;
    b -= step * db;
    const converged = current - next <= 1e-12 * (1 + Math.abs(current));
    current = next;
    if (converged) break;
  }
  return { a, b };
}

/** Σ log-loss + RIDGE·a²/2, with log(1 + e^t) computed without overflow. */
function loss(logits: ArrayLike<number>, labels: ArrayLike<number>, a: number, b: number): number {
  let total = (RIDGE * a * a) / 2;
  for (let i = 0; i < logits.length; i++) {
    const t = a * (logits[i] as number) + b;
    const softplus = t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
    total += softplus - (labels[i] as number) * t;
  }
  return total;
}

export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}
