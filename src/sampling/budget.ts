/**
 * What one operation may take: an upper estimate of its response size, checked at admission
 * (a response too large to send would otherwise run to the end and then fail, after holding
 * every sample in memory), and a proposal budget summed over all its runs (aliased fields,
 * compared configurations), so one small request cannot start an unbounded amount of work.
 */
import { limitExceeded } from '../errors.js';
import type { SamplingLimits } from '../limits.js';
import type { ReadyModel } from '../models/repository.js';

/** How often a response carries each per-sample field (aliases count once each). */
export interface ResponseFields {
  /** Selections of `samples { … }`. */
  readonly samples: number;
  readonly values: number;
  readonly logit: number;
  readonly acceptanceProbability: number;
  readonly png: number;
  readonly samplesBase64: number;
  /** Selections of `sampleValues` (a list of every sample's values, no object per sample). */
  readonly sampleValues: number;
}

export const NO_SAMPLE_FIELDS: ResponseFields = { samples: 0, values: 0, logit: 0, acceptanceProbability: 0, png: 0, samplesBase64: 0, sampleValues: 0 };

/** JSON bytes of one float64 at most ("-1.2345678901234567e-100" and a comma). */
const NUMBER_BYTES = 26;
/** Stats, counts, shape, field names: a response's size apart from its samples. */
const FIXED_BYTES = 4096;

/** Upper bound of a PNG data URL of one image sample (stored deflate blocks, base64, prefix); 16 for `null`. */
function pngBytes(model: ReadyModel): number {
  const { kind, shape, range } = model.manifest.output;
  if (kind !== 'image' || !range || shape.length !== 3) return 16;
  const [channels, height, width] = shape as [number, number, number];
  const raw = height * (1 + width * channels);
  const png = 57 + 6 + raw + 5 * Math.ceil(raw / 16_000);
  return 4 * Math.ceil(png / 3) + 40;
}

/** Upper estimate of the JSON bytes one sample adds to a response with `fields`. */
export function bytesPerSample(model: ReadyModel, fields: ResponseFields): number {
  const n = model.sampleSize;
  return (
    fields.samples * 8 +
    fields.values * (n * NUMBER_BYTES + 16) +
    fields.logit * (NUMBER_BYTES + 10) +
    fields.acceptanceProbability * (NUMBER_BYTES + 26) +
    fields.png * pngBytes(model) +
    fields.samplesBase64 * Math.ceil((n * 4 * 4) / 3) +
    fields.sampleValues * (n * NUMBER_BYTES + 4) // `values` less its key: "[…]," per sample
  );
}

const mb = (bytes: number): string => `${(bytes / 1e6).toPrecision(3)} MB`;

/** What one GraphQL operation has taken so far; the GraphQL context carries one per operation. */
export class OperationBudget {
  private proposals = 0;
  private bytes = 0;

  constructor(private readonly limits: Pick<SamplingLimits, 'maxOperationProposals' | 'maxResponseBytes'>) {}

  /**
   * Takes the response bytes and proposals of runs about to start, or throws LIMIT_EXCEEDED
   * naming the limit and what would fit. `samples` is per run; `what` names the field.
   */
  reserve(request: {
    readonly model: ReadyModel;
    readonly samples: number;
    readonly runs: readonly { readonly maxProposals: number }[];
    readonly fields: ResponseFields;
    readonly what: string;
  }): void {
    const { model, samples, runs, fields, what } = request;
    const perSample = bytesPerSample(model, fields);
    const bytes = FIXED_BYTES + runs.length * samples * perSample;
    const { maxResponseBytes, maxOperationProposals } = this.limits;
    if (this.bytes + bytes > maxResponseBytes) {
      const room = maxResponseBytes - this.bytes - FIXED_BYTES;
      const fit = perSample > 0 ? Math.max(0, Math.floor(room / (runs.length * perSample))) : 0;
      throw limitExceeded(
        { limit: 'maxResponseBytes', max: maxResponseBytes, estimatedBytes: this.bytes + bytes, maxCount: fit },
        `${what}: the response would be about ${mb(this.bytes + bytes)} (${runs.length * samples} samples × ${perSample} bytes with the selected fields${this.bytes > 0 ? ', plus this operation’s other fields' : ''}), ` +
          `above maxResponseBytes / MAX_RESPONSE_BYTES = ${maxResponseBytes} bytes; at most ${fit} samples${runs.length > 1 ? ' per configuration' : ''} fit: lower count, or select fewer fields (samplesBase64 is the most compact)`,
      );
    }
    const proposals = runs.reduce((sum, r) => sum + r.maxProposals, 0);
    if (this.proposals + proposals > maxOperationProposals) {
      const left = maxOperationProposals - this.proposals;
      throw limitExceeded(
        { limit: 'maxOperationProposals', max: maxOperationProposals, requested: this.proposals + proposals, remaining: left },
        `${what}: this operation's runs would budget ${this.proposals + proposals} proposals together (maxProposals of every run, aliases and compared configurations included), ` +
          `above maxOperationProposals / MAX_OPERATION_PROPOSALS = ${maxOperationProposals}; ${left} remain for this field: lower maxProposals or split the operation`,
      );
    }
    this.bytes += bytes;
    this.proposals += proposals;
  }
}
