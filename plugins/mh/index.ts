/**
 * The Metropolis-Hastings GAN sampler (Turner et al., 2019; docs/sampling.md, "Metropolis-Hastings
 * GAN and calibration"): an independence MH chain over G's proposals. From state x_k, proposal
 * x′ is accepted with min(1, (1/D(x_k) − 1) / (1/D(x′) − 1)) = min(1, exp(D̃(x′) − D̃(x_k))),
 * computed in the log domain on (calibrated) logits. Each chain runs `chainLength` proposals and
 * outputs its final state; it starts from a held-out real sample when the model ships them (a
 * chain at its stationary distribution from the start), else from its first proposal. A chain
 * that never leaves its real start restarts from its first proposal (counted in the stats), so a
 * real sample is never output. `chains` chains advance side by side, each round's proposals dealt
 * to them in turn.
 */
import {
  SAMPLER_CONTRACT_VERSION,
  calibrationParameter,
  checkCalibration,
  type CalibrationMethod,
  type Calibrator,
  type Round,
  type SamplerPlugin,
  type SamplerSnapshot,
  type SamplerState,
  type UniformSource,
} from '../../src/contracts.js';

const NAME = 'mh';

interface Prepared {
  readonly calibrator: Calibrator;
  /** Calibrated logits of the held-out real samples with a finite logit, and their indices; empty when none. */
  readonly real: { readonly index: Int32Array; readonly logit: Float64Array };
}

export function createMhSampler(): SamplerPlugin<Prepared> {
  return {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name: NAME,
    description:
      'Metropolis-Hastings GAN: independence MH chains over generator proposals, accepting x′ with min(1, exp(D̃(x′) − D̃(x))); ' +
      'each chain starts from a held-out real sample (when the model ships them) and outputs its state after chainLength proposals.',
    parameters: [
      {
        name: 'chainLength',
        type: 'int',
        default: 640,
        min: 1,
        max: 100_000,
        description: 'K: proposals per chain (the MH-GAN paper’s 640); each chain outputs its final state.',
      },
      {
        name: 'chains',
        type: 'int',
        default: 64,
        min: 1,
        max: 4096,
        description: 'Chains advanced side by side; each round’s proposals are dealt to them in turn.',
      },
      calibrationParameter(),
    ],
    validate(params, _given, model) {
      checkCalibration(NAME, params.calibration, model);
    },
    async prepare(params, context) {
      const calibrator = await context.calibrator(params.calibration as CalibrationMethod);
      if (context.model.realSamples === 0) return { calibrator, real: { index: new Int32Array(0), logit: new Float64Array(0) } };
      const raw = await context.realLogits();
      const index: number[] = [];
      for (let i = 0; i < raw.length; i++) if (Number.isFinite(raw[i])) index.push(i);
      return { calibrator, real: { index: Int32Array.from(index), logit: Float64Array.from(index, (i) => calibrator.logit(raw[i] as number)) } };
    },
    start(params, prepared, context) {
      return new MhChains({ chainLength: params.chainLength as number, chains: params.chains as number, ...prepared, random: context.random });
    },
    // The chains' positions, slots and counters; the engine restores the rows the slots hold and `context.random`.
    restore(params, prepared, context, snapshot) {
      const chains = new MhChains({ chainLength: params.chainLength as number, chains: params.chains as number, ...prepared, random: context.random });
      chains.load(snapshot);
      return chains;
    },
  };
}

/** One chain. Its two slots hold its state and its first proposal (roles swap on a restart). */
interface Chain {
  stateSlot: number;
  firstSlot: number;
  /** Calibrated logit of the state; NaN before a generated start has its first proposal. */
  stateLogit: number;
  firstLogit: number;
  /** Whether the state is a generated sample (else a held-out real one, or none yet). */
  generated: boolean;
  /** Proposals this chain has seen. */
  steps: number;
  /** Acceptance probability of the move into the current state. */
  alpha: number;
}

interface ChainOptions extends Prepared {
  readonly chainLength: number;
  readonly chains: number;
  readonly random: UniformSource;
}

class MhChains implements SamplerState {
  private readonly active: Chain[] = [];
  private next = 0;
  private restarts = 0;
  private moves = 0;
  private tests = 0;
  /** Slot pairs of finished chains, reused so the rows held stay bounded by 2 × chains. */
  private readonly freePairs: number[] = [];
  private pairs = 0;

  constructor(private readonly options: ChainOptions) {}

  step(round: Round): number {
    const { logits, uniforms } = round;
    const { calibrator, chainLength } = this.options;
    let remaining = round.needed; // outputs still wanted: one per chain
    if (this.active.length === 0) for (let i = 0; i < Math.min(this.options.chains, remaining); i++) this.active.push(this.begin(round));
    for (let k = 0; k < logits.length; k++) {
      if (this.active.length === 0) return k;
      if (this.next >= this.active.length) this.next = 0;
      const chain = this.active[this.next]!;
      this.advance(round, chain, k, calibrator.logit(logits[k] as number), uniforms[k] as number);
      if (chain.steps < chainLength) {
        this.next++;
        continue;
      }
      if (!chain.generated) {
        this.restart(chain); // never left its real start: run on from its first proposal instead
        if (chain.steps < chainLength) {
          this.next++;
          continue;
        }
      }
      round.emitHeld(chain.stateSlot, chain.alpha);
      remaining--;
      round.release(chain.stateSlot);
      round.release(chain.firstSlot);
      this.freePairs.push(Math.min(chain.stateSlot, chain.firstSlot) / 2);
      if (remaining > this.active.length - 1) {
        this.active[this.next] = this.begin(round);
        this.next++;
      } else {
        this.active.splice(this.next, 1); // enough chains are running for what is still wanted
      }
    }
    return logits.length;
  }

  report() {
    const { chains, chainLength } = this.options;
    return { details: { restarts: this.restarts, moveRate: this.tests > 0 ? this.moves / this.tests : 0, chains, chainLength } };
  }

  /** A fresh chain: at a random held-out real sample, or waiting for its first proposal. */
  private begin(round: Round): Chain {
    const pair = this.freePairs.pop() ?? this.pairs++;
    const chain: Chain = { stateSlot: 2 * pair, firstSlot: 2 * pair + 1, stateLogit: NaN, firstLogit: NaN, generated: false, steps: 0, alpha: 1 };
    const { index, logit } = this.options.real;
    if (index.length > 0) {
      const r = Math.floor(this.options.random.uniform() * index.length);
      round.holdReal(chain.stateSlot, index[r]!);
      chain.stateLogit = logit[r]!;
    }
    return chain;
  }

  /** Proposal k (calibrated logit `l`, uniform `u`) for `chain`. */
  private advance(round: Round, chain: Chain, k: number, l: number, u: number): void {
    chain.steps++;
    if (Number.isNaN(chain.stateLogit)) {
      // A generated start: the first proposal is the state.
      round.hold(chain.stateSlot, k);
      chain.stateLogit = l;
      chain.generated = true;
      return;
    }
    if (chain.steps === 1) {
      round.hold(chain.firstSlot, k); // kept for a restart
      chain.firstLogit = l;
    }
    const logAlpha = l - chain.stateLogit; // log of the odds ratio; α = min(1, e^{logAlpha})
    this.tests++;
    if (logAlpha >= 0 || Math.log(u) < logAlpha) {
      round.hold(chain.stateSlot, k);
      chain.stateLogit = l;
      chain.generated = true;
      chain.alpha = logAlpha >= 0 ? 1 : Math.exp(logAlpha);
      this.moves++;
    }
  }

  snapshot(): SamplerSnapshot {
    // NaN (a generated start still waiting for its first proposal) is not JSON: null stands for it.
    const num = (x: number): number | null => (Number.isNaN(x) ? null : x);
    return {
      active: this.active.map((c) => [c.stateSlot, c.firstSlot, num(c.stateLogit), num(c.firstLogit), c.generated, c.steps, c.alpha]),
      next: this.next,
      restarts: this.restarts,
      moves: this.moves,
      tests: this.tests,
      freePairs: [...this.freePairs],
      pairs: this.pairs,
    };
  }

  /** The state `snapshot()` described; throws on anything else. */
  load(snapshot: SamplerSnapshot): void {
    const fail = (what: string): never => {
      throw new Error(`mh snapshot: ${what}`);
    };
    const s = (snapshot ?? {}) as Record<string, unknown>;
    const count = (v: unknown, what: string): number =>
      Number.isInteger(v) && (v as number) >= 0 ? (v as number) : fail(`${what} must be a non-negative integer`);
    const logit = (v: unknown): number =>
      v === null ? NaN : typeof v === 'number' && Number.isFinite(v) ? v : fail('a chain logit must be a finite number or null');
    if (!Array.isArray(s.active) || s.active.length > this.options.chains) fail(`active must be a list of at most ${this.options.chains} chains`);
    this.pairs = count(s.pairs, 'pairs');
    for (const c of s.active as unknown[]) {
      if (!Array.isArray(c) || c.length !== 7) fail('each chain must be [stateSlot, firstSlot, stateLogit, firstLogit, generated, steps, alpha]');
      const [stateSlot, firstSlot, stateLogit, firstLogit, generated, steps, alpha] = c as unknown[];
      const chain: Chain = {
        stateSlot: count(stateSlot, 'stateSlot'),
        firstSlot: count(firstSlot, 'firstSlot'),
        stateLogit: logit(stateLogit),
        firstLogit: logit(firstLogit),
        generated: typeof generated === 'boolean' ? generated : fail('generated must be a boolean'),
        steps: count(steps, 'steps'),
        alpha: typeof alpha === 'number' && alpha >= 0 && alpha <= 1 ? alpha : fail('alpha must be in [0, 1]'),
      };
      if (chain.stateSlot >= 2 * this.pairs || chain.firstSlot >= 2 * this.pairs || chain.steps >= this.options.chainLength) fail('a chain is out of range');
      this.active.push(chain);
    }
    this.next = count(s.next, 'next');
    this.restarts = count(s.restarts, 'restarts');
    this.moves = count(s.moves, 'moves');
    this.tests = count(s.tests, 'tests');
    if (!Array.isArray(s.freePairs)) fail('freePairs must be a list');
    for (const p of s.freePairs as unknown[]) this.freePairs.push(count(p, 'a free pair') < this.pairs ? (p as number) : fail('a free pair is out of range'));
  }

  private restart(chain: Chain): void {
    [chain.stateSlot, chain.firstSlot] = [chain.firstSlot, chain.stateSlot];
    chain.stateLogit = chain.firstLogit;
    chain.generated = true;
    chain.steps = 1;
    chain.alpha = 1;
    this.restarts++;
  }
}
