// The IDE's "Samples" plugin panel: renders the images and 2-D points of the latest result and,
// for a subscription, every event as it arrives (count, running stats). Fed by the fetcher.
const { React } = globalThis;
const h = React.createElement;
const EVENTS_SHOWN = 30;
const IMAGES_SHOWN = 256;

/** What the panel shows: the latest operation's results, folded as they arrive. */
export const samplesStore = {
  version: 0,
  op: null, // { kind, operationName }
  status: 'idle', // running | done | stopped | failed
  events: [], // { n, samples, outputs, accepted, proposed }
  groups: new Map(), // path → { images, points, stats, metrics }
  listeners: new Set(),
  subscribe(listener) {
    samplesStore.listeners.add(listener);
    return () => samplesStore.listeners.delete(listener);
  },
  changed() {
    samplesStore.version++;
    for (const l of samplesStore.listeners) l();
  },
  begin(op) {
    Object.assign(samplesStore, { op, status: 'running', events: [], groups: new Map() });
    samplesStore.changed();
  },
  end(status) {
    if (samplesStore.status === 'running') samplesStore.status = status;
    samplesStore.changed();
  },
  /** Folds one execution result: samples accumulate (a stream sends only new ones), stats and metrics are replaced. */
  add(result) {
    let newSamples = 0;
    let stats = null;
    const visit = (value, path) => {
      if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${path}[${i}]`));
      if (value === null || typeof value !== 'object') return;
      if ('samples' in value || 'stats' in value || 'metrics' in value) {
        const g = samplesStore.groups.get(path) ?? { images: [], points: [], stats: null, metrics: null };
        samplesStore.groups.set(path, g);
        const list = Array.isArray(value.samples) ? value.samples : [];
        for (const s of list) {
          if (typeof s?.png === 'string') g.images.push(s);
          if (Array.isArray(s?.values) && s.values.length <= 2) g.points.push(s.values);
        }
        if (
          !list.some((s) => Array.isArray(s?.values)) &&
          typeof value.samplesBase64 === 'string' &&
          value.sampleShape?.length === 1 &&
          value.sampleShape[0] <= 2
        ) {
          g.points.push(...decodePoints(value.samplesBase64, value.sampleShape[0]));
        }
        newSamples += list.length;
        if (value.stats) stats = g.stats = value.stats;
        if (value.metrics) g.metrics = value.metrics;
      }
      for (const [k, v] of Object.entries(value))
        if (k !== 'samples' && k !== 'stats' && k !== 'metrics' && v && typeof v === 'object') visit(v, path ? `${path}.${k}` : k);
    };
    visit(result?.data ?? null, '');
    samplesStore.events.push({
      n: samplesStore.events.length + 1,
      samples: newSamples,
      outputs: stats?.outputs,
      accepted: stats?.accepted, // deprecated name of outputs, shown when a query still asks for it
      proposed: stats?.proposed,
      errors: result?.errors?.length ?? 0,
    });
    if (result?.errors?.length) samplesStore.status = 'failed';
    samplesStore.changed();
  },
};

function decodePoints(base64, dim) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const out = [];
  for (let i = 0; i + 4 * dim <= bytes.length; i += 4 * dim) out.push(Array.from({ length: dim }, (_, d) => view.getFloat32(i + 4 * d, true)));
  return out;
}

const fmt = (v) =>
  typeof v === 'number'
    ? Number.isInteger(v)
      ? v.toLocaleString('en')
      : v.toPrecision(4)
    : v === null
      ? '—'
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v);
/** Nested metrics as "family.name" rows. */
const flatten = (obj, prefix = '') =>
  Object.entries(obj ?? {}).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? flatten(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]]));

function Table({ rows, name }) {
  if (!rows.length) return null;
  return h(
    'dl',
    { className: 'samples-table', 'data-table': name },
    rows.flatMap(([k, v]) => [h('dt', { key: `${k}-t` }, k), h('dd', { key: `${k}-d`, 'data-key': k }, fmt(v))]),
  );
}

function Scatter({ points }) {
  const ref = React.useRef(null);
  React.useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas.getContext('2d');
    const size = canvas.width;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    const extent = Math.max(
      1,
      ...points
        .flat()
        .filter(Number.isFinite)
        .map((v) => Math.abs(v) * 1.05),
    );
    const px = (v) => ((v + extent) / (2 * extent)) * size;
    ctx.strokeStyle = '#ddd';
    ctx.beginPath();
    ctx.moveTo(px(0), 0);
    ctx.lineTo(px(0), size);
    ctx.moveTo(0, px(0));
    ctx.lineTo(size, px(0));
    ctx.stroke();
    ctx.fillStyle = 'rgba(31, 78, 160, 0.45)';
    for (const [x, y = 0] of points) ctx.fillRect(px(x) - 1, size - px(y) - 1, 2.5, 2.5);
  });
  return h('canvas', { ref, width: 300, height: 300, className: 'samples-scatter', 'data-points': points.length });
}

function Group({ path, group }) {
  const images = group.images.slice(0, IMAGES_SHOWN);
  return h(
    'section',
    { className: 'samples-group', 'data-path': path },
    h('h4', null, path || 'result', ' ', h('small', null, `${group.images.length + group.points.length} samples`)),
    images.length
      ? h(
          'div',
          { className: 'samples-images' },
          images.map((s, i) =>
            h('img', { key: i, src: s.png, title: typeof s.acceptanceProbability === 'number' ? `p = ${s.acceptanceProbability.toFixed(4)}` : undefined }),
          ),
        )
      : null,
    group.images.length > IMAGES_SHOWN ? h('p', { className: 'samples-more' }, `and ${group.images.length - IMAGES_SHOWN} more`) : null,
    group.points.length ? h(Scatter, { points: group.points }) : null,
    h(Table, { rows: Object.entries(group.stats ?? {}), name: 'stats' }),
    h(Table, { rows: flatten(group.metrics), name: 'metrics' }),
  );
}

function SamplesPanel() {
  React.useSyncExternalStore(
    (listener) => samplesStore.subscribe(listener),
    () => samplesStore.version,
  );
  const { op, status, events, groups } = samplesStore;
  if (!op)
    return h(
      'div',
      { className: 'samples-panel', 'data-status': 'idle' },
      h('h3', null, 'Samples'),
      h(
        'p',
        null,
        'Run a query or subscription that selects samples { png } or samples { values }: its images and 2-D points show here, and a subscription’s events as they arrive.',
      ),
    );
  const recent = events.slice(-EVENTS_SHOWN).reverse();
  return h(
    'div',
    { className: 'samples-panel', 'data-status': status, 'data-events': events.length },
    h('h3', null, 'Samples'),
    h(
      'p',
      { className: 'samples-status' },
      `${op.kind ?? 'operation'}${op.operationName ? ` ${op.operationName}` : ''} · `,
      h('b', null, status),
      ` · ${events.length} ${events.length === 1 ? 'event' : 'events'}`,
    ),
    [...groups].map(([path, group]) => h(Group, { key: path, path, group })),
    op.kind === 'subscription' && recent.length
      ? h(
          'ol',
          { className: 'samples-events', reversed: true },
          recent.map((e) =>
            h(
              'li',
              { key: e.n, value: e.n },
              `+${e.samples} samples`,
              e.outputs !== undefined ? ` · outputs ${fmt(e.outputs)}` : e.accepted !== undefined ? ` · accepted ${fmt(e.accepted)}` : '',
              e.proposed !== undefined ? ` · proposed ${fmt(e.proposed)}` : '',
              e.errors ? ` · ${e.errors} errors` : '',
            ),
          ),
        )
      : null,
  );
}

const Icon = () =>
  h(
    'svg',
    { viewBox: '0 0 24 24', width: 20, height: 20, 'aria-hidden': true },
    [
      [6, 6],
      [12, 12],
      [18, 6],
      [6, 18],
      [18, 18],
    ].map(([cx, cy]) => h('circle', { key: `${cx}-${cy}`, cx, cy, r: 2.5, fill: 'currentColor' })),
  );

export const samplesPlugin = { title: 'Samples', icon: Icon, content: SamplesPanel };
