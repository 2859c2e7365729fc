// An image column's samples, a page at a time, and the lightbox that opens one large.

export const PAGE_SIZE = 64;
const fmt = (v, digits) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/** `samples`: the column's growing array of { png, logit, acceptanceProbability }. */
export function createGallery(samples, { title }) {
  const el = document.createElement('div');
  el.className = 'gallery';
  const grid = document.createElement('div');
  grid.className = 'grid';
  const pager = document.createElement('div');
  pager.className = 'pager';
  pager.innerHTML =
    '<button type="button" class="prev" aria-label="previous page">‹</button><span class="range"></span><button type="button" class="next" aria-label="next page">›</button>';
  el.append(grid, pager);
  let page = 0;

  const pages = () => Math.max(1, Math.ceil(samples.length / PAGE_SIZE));
  function render() {
    const from = page * PAGE_SIZE;
    const to = Math.min(samples.length, from + PAGE_SIZE);
    // Append what is missing on this page; rebuild only when the page changed.
    if (Number(grid.dataset.from) !== from) {
      grid.innerHTML = '';
      grid.dataset.from = String(from);
    }
    for (let i = from + grid.children.length; i < to; i++) {
      const img = new Image();
      img.src = samples[i].png;
      img.alt = `sample ${i + 1}`;
      img.dataset.index = String(i);
      img.title = `#${i + 1}  p = ${fmt(samples[i].acceptanceProbability, 4)}`;
      grid.append(img);
    }
    pager.querySelector('.range').textContent = samples.length ? `${from + 1}–${to} of ${samples.length}` : 'no samples yet';
    pager.querySelector('.prev').disabled = page === 0;
    pager.querySelector('.next').disabled = page >= pages() - 1;
    el.dataset.page = String(page);
  }
  pager.querySelector('.prev').addEventListener('click', () => {
    page = Math.max(0, page - 1);
    render();
  });
  pager.querySelector('.next').addEventListener('click', () => {
    page = Math.min(pages() - 1, page + 1);
    render();
  });
  grid.addEventListener('click', (e) => {
    const index = e.target?.dataset?.index;
    if (index !== undefined) openLightbox(samples, Number(index), title);
  });
  render();
  return { el, render };
}

let box = null;
/** The page's one lightbox: a <dialog> with the sample, its logit and acceptance probability. */
function lightbox() {
  if (box) return box;
  const dialog = document.createElement('dialog');
  dialog.id = 'lightbox';
  dialog.innerHTML = `<div class="lightbox-body"><form method="dialog" class="lightbox-head"><span class="lightbox-title"></span><button aria-label="close">×</button></form>
    <img alt="" /><dl class="lightbox-facts"></dl>
    <div class="lightbox-nav"><button type="button" class="prev">‹ previous</button><button type="button" class="next">next ›</button></div></div>`;
  document.body.append(dialog);
  box = { dialog, samples: [], index: 0, title: '' };
  const show = (i) => {
    box.index = Math.max(0, Math.min(box.samples.length - 1, i));
    const s = box.samples[box.index];
    dialog.querySelector('img').src = s.png;
    dialog.querySelector('img').alt = `sample ${box.index + 1}`;
    dialog.querySelector('.lightbox-title').textContent = `${box.title} · sample ${box.index + 1} of ${box.samples.length}`;
    dialog.querySelector('.lightbox-facts').innerHTML =
      `<dt>logit D̃(x)</dt><dd data-fact="logit">${fmt(s.logit, 4)}</dd><dt>acceptance probability</dt><dd data-fact="p">${fmt(s.acceptanceProbability, 4)}</dd>`;
    dialog.querySelector('.prev').disabled = box.index === 0;
    dialog.querySelector('.next').disabled = box.index >= box.samples.length - 1;
  };
  box.show = show;
  dialog.querySelector('.prev').addEventListener('click', () => show(box.index - 1));
  dialog.querySelector('.next').addEventListener('click', () => show(box.index + 1));
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') show(box.index - 1);
    if (e.key === 'ArrowRight') show(box.index + 1);
  });
  // A click on the backdrop (the dialog box itself, outside its content) closes it.
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
  return box;
}

export function openLightbox(samples, index, title) {
  const b = lightbox();
  b.samples = samples;
  b.title = title;
  b.show(index);
  if (!b.dialog.open) b.dialog.showModal();
}
