/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests that
 * scrape /metrics. Hand-written because the npm parsers get prom-client's output wrong:
 * parse-prometheus-text-format 1.1.1 folds every labelled histogram into one series and drops
 * its labels, sum and count; prom2javascript 0.2.0 throws on the `Nan` and `-Inf` values
 * prom-client writes. This one scans each sample line character by character (label escapes
 * included) and checks what a scraper relies on: every sample belongs to a declared family, no
 * series repeats, histogram buckets are cumulative and end in a +Inf bucket equal to `_count`.
 */

export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name, e.g. `x_bucket` for a histogram `x`. */
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: Sample[];
}

export interface HistogramSeries {
  readonly labels: Labels;
  /** Cumulative count per upper bound, in order, the last one +Inf. */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  readonly count: number;
  readonly sum: number;
}

const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;

function parseNumber(text: string, line: string): number {
  if (/^[+]?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`not a number "${text}" in: ${line}`);
  return value;
}

/** One sample line: name, optional {labels}, value, optional timestamp. */
function parseSampleLine(line: string): Sample {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at column ${i + 1} of: ${line}`);
  };
  const readName = (start: RegExp): string => {
    const from = i;
    if (!start.test(line[i] ?? '')) fail('expected a name');
    while (i < line.length && NAME_CHAR.test(line[i]!)) i++;
    return line.slice(from, i);
  };
  const skipSpaces = () => {
    while (line[i] === ' ' || line[i] === '\t') i++;
  };
  const name = readName(NAME_START);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    skipSpaces();
    while (line[i] !== '}') {
      const key = readName(/[a-zA-Z_]/);
      if (key in labels) fail(`label "${key}" repeats`);
      if (line[i++] !== '=' || line[i++] !== '"') fail('expected ="');
      let value = '';
      for (;;) {
        const c = line[i++];
        if (c === undefined) fail('unterminated label value');
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          value += e === 'n' ? '\n' : e === '\\' || e === '"' ? e : fail(`bad escape \\${e}`);
        } else value += c;
      }
      labels[key] = value;
      skipSpaces();
      if (line[i] === ',') i++;
      else if (line[i] !== '}') fail('expected , or }');
      skipSpaces();
    }
    i++;
  }
  const rest = line
    .slice(i)
    .trim()
    .split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2 || line[i] !== ' ') fail('expected " value [timestamp]"');
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) fail('bad timestamp');
  return { name, labels, value: parseNumber(rest[0]!, line) };
}

const labelKey = (labels: Labels, without?: string): string =>
  JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== without)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

export class Exposition {
  readonly families = new Map<string, Family>();

  constructor(text: string) {
    const seen = new Set<string>();
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (meta) {
        const [, kind, name, rest = ''] = meta;
        const family = this.families.get(name!) ?? { name: name!, type: 'untyped' as MetricType, help: '', samples: [] };
        if (kind === 'TYPE') {
          if (!TYPES.has(rest as MetricType)) throw new Error(`unknown type "${rest}" for ${name}`);
          if (family.samples.length > 0) throw new Error(`TYPE of ${name} after its samples`);
        }
        this.families.set(
          name!,
          kind === 'TYPE' ? { ...family, type: rest as MetricType } : { ...family, help: rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\') },
        );
        continue;
      }
      if (line.startsWith('#')) continue;
      const sample = parseSampleLine(line);
      const family = this.familyOf(sample.name);
      const key = `${sample.name}${labelKey(sample.labels)}`;
      if (seen.has(key)) throw new Error(`series repeats: ${line}`);
      seen.add(key);
      family.samples.push(sample);
    }
    for (const family of this.families.values()) if (family.type === 'histogram') this.histograms(family.name);
  }

  private familyOf(sampleName: string): Family {
    const direct = this.families.get(sampleName);
    if (direct) return direct;
    const base = sampleName.replace(/_(bucket|count|sum)$/, '');
    const family = this.families.get(base);
    if (family && (family.type === 'histogram' || family.type === 'summary')) return family;
    throw new Error(`sample ${sampleName} has no # TYPE line`);
  }

  has(name: string): boolean {
    return this.families.has(name);
  }

  family(name: string): Family {
    const family = this.families.get(name);
    if (!family) throw new Error(`no metric ${name} in the exposition (have: ${[...this.families.keys()].join(', ')})`);
    return family;
  }

  /** Samples named `name` whose labels include `labels`. */
  samples(name: string, labels: Labels = {}): Sample[] {
    return this.family(name).samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  /** The one counter or gauge value with these labels (0 when no such series exists yet). */
  value(name: string, labels: Labels = {}): number {
    const matches = this.samples(name, labels);
    if (matches.length > 1) throw new Error(`${matches.length} series of ${name} match ${JSON.stringify(labels)}`);
    return matches[0]?.value ?? 0;
  }

  /** Sum over every series of `name` whose labels include `labels`. */
  total(name: string, labels: Labels = {}): number {
    return this.samples(name, labels).reduce((n, s) => n + s.value, 0);
  }

  /** Every series of a histogram, checked. */
  histograms(name: string): HistogramSeries[] {
    const family = this.family(name);
    if (family.type !== 'histogram') throw new Error(`${name} is a ${family.type}, not a histogram`);
    const series = new Map<string, { labels: Labels; buckets: { le: number; count: number }[]; count?: number; sum?: number }>();
    for (const s of family.samples) {
      const { le, ...labels } = s.labels;
      const key = labelKey(labels);
      const entry = series.get(key) ?? { labels, buckets: [] };
      series.set(key, entry);
      if (s.name === `${name}_bucket`) entry.buckets.push({ le: parseNumber(le ?? '', `le of ${name}`), count: s.value });
      else if (s.name === `${name}_count`) entry.count = s.value;
      else if (s.name === `${name}_sum`) entry.sum = s.value;
      else throw new Error(`unexpected sample ${s.name} in histogram ${name}`);
    }
    return [...series.values()].map(({ labels, buckets, count, sum }) => {
      const where = `${name}${JSON.stringify(labels)}`;
      if (count === undefined || sum === undefined) throw new Error(`${where}: no _count or _sum`);
      buckets.sort((a, b) => a.le - b.le);
      if (buckets.at(-1)?.le !== Infinity || buckets.at(-1)!.count !== count) throw new Error(`${where}: the +Inf bucket must equal _count (${count})`);
      if (buckets.some((b, i) => i > 0 && b.count < buckets[i - 1]!.count)) throw new Error(`${where}: buckets are not cumulative`);
      return { labels, buckets, count, sum };
    });
  }

  /** The one histogram series whose labels include `labels`. */
  histogram(name: string, labels: Labels): HistogramSeries {
    const matches = this.histograms(name).filter((h) => Object.entries(labels).every(([k, v]) => h.labels[k] === v));
    if (matches.length !== 1) throw new Error(`expected one ${name} series for ${JSON.stringify(labels)}, found ${matches.length}`);
    return matches[0]!;
  }
}

export async function scrape(url: string): Promise<{ status: number; contentType: string | null; exposition: Exposition }> {
  const res = await fetch(url);
  return { status: res.status, contentType: res.headers.get('content-type'), exposition: new Exposition(await res.text()) };
}
