// The samples a column accepted with the highest and lowest probability (the DRS paper's
// Figure 4), kept incrementally. Hidden while every p is the same: then they rank nothing.
import { MARK_COLORS } from './scatter.js';

const SHOWN = 8;
const fmtP = (p) => (p < 0.001 && p > 0 ? p.toExponential(1) : p.toFixed(3));
const coord = (v) => (v <= -0.005 ? `−${Math.abs(v).toFixed(2)}` : Math.abs(v).toFixed(2));

/** `onMark(high, low)`: called with the shown samples, for plots that mark them. */
export function createExtremes({ image, onMark }) {
  const el = document.createElement('div');
  el.className = 'extremes';
  el.innerHTML = `<p class="extremes-note"></p>
    <div class="extreme"><div class="extreme-title"><i style="--mark:${MARK_COLORS.high}"></i>highest acceptance probability</div><div class="strip high"></div></div>
    <div class="extreme"><div class="extreme-title"><i style="--mark:${MARK_COLORS.low}"></i>lowest acceptance probability</div><div class="strip low"></div></div>`;
  if (image) el.classList.add('images');
  let high = [];
  let low = [];
  let pMin = Infinity;
  let pMax = -Infinity;
  let n = 0;

  const renderStrip = (node, items) => {
    node.innerHTML = '';
    for (const s of items) {
      if (image) {
        const img = new Image();
        img.src = s.png;
        img.title = `logit ${s.logit.toFixed(3)}, p = ${fmtP(s.acceptanceProbability)}`;
        node.append(img);
      } else {
        const item = document.createElement('span');
        const values = Array.from(s.values.length >= 2 ? s.values.subarray(0, 2) : s.values, coord);
        item.innerHTML = `<b></b> <small></small>`;
        item.querySelector('b').textContent = `(${values.join(', ')})`;
        item.querySelector('small').textContent = `p ${fmtP(s.acceptanceProbability)}`;
        node.append(item);
      }
    }
  };

  return {
    el,
    /** Takes newly accepted samples ({ values, png?, logit, acceptanceProbability }). */
    add(samples) {
      for (const s of samples) {
        const p = s.acceptanceProbability;
        pMin = Math.min(pMin, p);
        pMax = Math.max(pMax, p);
        n++;
      }
      // Keep only candidates: a sample outside both current extremes can never be shown.
      high = [...high, ...samples].sort((a, b) => b.acceptanceProbability - a.acceptanceProbability).slice(0, SHOWN);
      low = [...low, ...samples].sort((a, b) => a.acceptanceProbability - b.acceptanceProbability).slice(0, SHOWN);
      const informative = pMax - pMin > 1e-9;
      el.dataset.informative = String(informative);
      el.querySelector('.extremes-note').textContent = informative ? '' : `All ${n} samples were accepted with p = ${fmtP(pMax)}: there is nothing to rank.`;
      for (const node of el.querySelectorAll('.extreme')) node.hidden = !informative;
      if (informative) {
        renderStrip(el.querySelector('.strip.high'), high);
        renderStrip(el.querySelector('.strip.low'), low);
      }
      onMark?.(informative ? high : [], informative ? low : []);
    },
  };
}
