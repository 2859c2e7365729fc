/**
 * Stream cursors: a checkpoint (src/sampling/checkpoint.ts) and the request it belongs to, as
 * one opaque string a client hands back in `SampleInput.resumeFrom` to continue the stream on
 * any replica. Format `gqs1.<body>.<mac>`: the body is the JSON, deflated, base64url; the mac is
 * HMAC-SHA256 over `gqs1.<body>` with the server's cursor secret (CURSOR_SECRET; every replica
 * must share it). Without a configured secret a built-in key is used: the mac then detects
 * corruption and truncation like a checksum, but anyone can forge a cursor (and one that decodes
 * is still checked field by field, so a forged one can only ask for samples, never break the
 * server). A cursor names its model by id and by a fingerprint of the model's files, so a
 * replica serving different weights under the same id refuses it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { SamplerParams, SamplerSnapshot } from '../contracts.js';
import { badInput, type SamplingError } from '../errors.js';
import type { ReadyModel } from '../models/repository.js';
import type { RandomState } from '../random.js';
import type { HeldCheckpoint, ResumePoint, RunCheckpoint } from './checkpoint.js';
import type { TallySnapshot } from './tally.js';

/** The cursor format's version: the `gqs1` prefix. A cursor of another version is refused. */
export const CURSOR_VERSION = 1;
const PREFIX = `gqs${CURSOR_VERSION}`;
/** The key when no secret is configured: integrity against corruption only (see above). */
const DEFAULT_SECRET = 'graphql-gan-sampler cursor checksum (set CURSOR_SECRET to sign cursors)';
/** Longest cursor accepted, and the most its body may inflate to. */
export const MAX_CURSOR_LENGTH = 1 << 20;
const MAX_BODY_BYTES = 8 << 20;

/** The request a cursor continues: everything that decides its samples. */
export interface CursorRequest {
  readonly modelId: string;
  /** `modelFingerprint` of the model it ran on. */
  readonly fingerprint: string;
  readonly sampler: string;
  /** The sampler's `snapshotVersion` (default 1). */
  readonly snapshotVersion: number;
  /** Resolved parameters (defaults applied). */
  readonly params: SamplerParams;
  readonly count: number;
  readonly seed: number;
  readonly maxProposals: number;
  readonly batchSize: number;
  /** The class of a class-conditional model's stream; null otherwise. */
  readonly classLabel: number | null;
}

export interface DecodedCursor {
  readonly request: CursorRequest;
  readonly point: ResumePoint;
}

const fingerprints = new WeakMap<ReadyModel, string>();

/** SHA-256 (first 32 hex digits) of a model's manifest, G, D and real samples: what its samples depend on. Cached per model. */
export function modelFingerprint(model: ReadyModel): string {
  let fingerprint = fingerprints.get(model);
  if (fingerprint === undefined) {
    const hash = createHash('sha256').update(JSON.stringify(model.manifest));
    for (const path of [model.generatorPath, model.discriminatorPath, model.realSamplesPath]) if (path) hash.update(readFileSync(path));
    fingerprint = hash.digest('hex').slice(0, 32);
    fingerprints.set(model, fingerprint);
  }
  return fingerprint;
}

export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret?: string) {
    this.key = Buffer.from(secret === undefined || secret === '' ? DEFAULT_SECRET : secret, 'utf8');
  }

  /** Whether a secret was configured (else cursors are only checksummed). */
  static signed(secret?: string): boolean {
    return secret !== undefined && secret !== '';
  }

  encode(request: CursorRequest, point: ResumePoint): string {
    const { checkpoint: c, skip } = point;
    const payload = {
      r: request,
      skip,
      c: {
        drawn: c.drawn,
        latents: c.latents,
        uniforms: c.uniforms,
        samplerRandom: c.samplerRandom,
        sampler: c.sampler,
        held: c.held.map((h) => [
          h.slot,
          h.id,
          h.logit,
          h.real,
          h.latent ? Buffer.from(h.latent.buffer, h.latent.byteOffset, h.latent.byteLength).toString('base64') : null,
        ]),
        tally: c.tally,
      },
    };
    const body = deflateRawSync(Buffer.from(JSON.stringify(payload), 'utf8')).toString('base64url');
    return `${PREFIX}.${body}.${this.mac(body)}`;
  }

  /** The cursor's request and checkpoint; a BAD_USER_INPUT naming `resumeFrom` for anything malformed, tampered or of another version. */
  decode(cursor: unknown): DecodedCursor {
    if (typeof cursor !== 'string' || cursor.length === 0) throw bad('must be a cursor string from a sampleStream event');
    if (cursor.length > MAX_CURSOR_LENGTH) throw bad(`is ${cursor.length} characters, longer than any cursor (${MAX_CURSOR_LENGTH})`);
    const parts = cursor.split('.');
    if (parts.length !== 3 || !/^gqs\d+$/.test(parts[0]!)) throw bad('is not a cursor (expected gqs<version>.<body>.<mac>)');
    if (parts[0] !== PREFIX) throw bad(`is a version ${parts[0]!.slice(3)} cursor; this server reads version ${CURSOR_VERSION}`);
    const [, body, mac] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(body), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw bad('failed its integrity check: it was altered, truncated, or issued by a server with another CURSOR_SECRET');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(inflateRawSync(Buffer.from(body, 'base64url'), { maxOutputLength: MAX_BODY_BYTES }).toString('utf8'));
    } catch {
      throw bad('does not decode');
    }
    return parsePayload(payload);
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(`${PREFIX}.${body}`).digest('base64url');
  }
}

const bad = (message: string): SamplingError => badInput('resumeFrom', message);

type Json = Record<string, unknown>;

function object(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${what} is not an object`);
  return v as Json;
}
function int(v: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) throw bad(`${what} must be an integer in [${min}, ${max}]`);
  return v as number;
}
function finite(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${what} must be a finite number`);
  return v;
}
function string(v: unknown, what: string): string {
  if (typeof v !== 'string') throw bad(`${what} must be a string`);
  return v;
}

function randomState(v: unknown, what: string): RandomState {
  const o = object(v, what);
  if (!Array.isArray(o.s) || o.s.length !== 4) throw bad(`${what} must hold four words`);
  const s = o.s.map((w, i) => int(w, `${what}.s[${i}]`, 0, 0xffffffff)) as [number, number, number, number];
  if (s.every((w) => w === 0)) throw bad(`${what} is all zero`);
  const spare = o.spareNormal === null ? null : finite(o.spareNormal, `${what}.spareNormal`);
  return { s, spareNormal: spare };
}

function tally(v: unknown): TallySnapshot {
  const o = object(v, 'tally');
  const n = (k: string) => int(o[k], `tally.${k}`);
  const logitMaxStart = o.logitMaxStart === null ? null : finite(o.logitMaxStart, 'tally.logitMaxStart');
  return {
    proposed: n('proposed'),
    accepted: n('accepted'),
    invalid: n('invalid'),
    rounds: n('rounds'),
    staleOutputs: n('staleOutputs'),
    distinct: n('distinct'),
    batchRowsTotal: n('batchRowsTotal'),
    gammaSum: finite(o.gammaSum, 'tally.gammaSum'),
    gammaBatches: n('gammaBatches'),
    logitMaxStart,
    elapsedMs: Math.max(0, finite(o.elapsedMs, 'tally.elapsedMs')),
  };
}

function held(v: unknown): HeldCheckpoint[] {
  if (!Array.isArray(v)) throw bad('held is not a list');
  const slots = new Set<number>();
  return v.map((h: unknown, i) => {
    if (!Array.isArray(h) || h.length !== 5) throw bad(`held[${i}] is malformed`);
    const slot = int(h[0], `held[${i}].slot`);
    if (slots.has(slot)) throw bad(`held[${i}]: slot ${slot} twice`);
    slots.add(slot);
    const id = int(h[1], `held[${i}].id`, -Number.MAX_SAFE_INTEGER);
    const logit = finite(h[2], `held[${i}].logit`);
    if (h[3] !== null) {
      const real = int(h[3], `held[${i}].real`);
      if (id !== -1 - real) throw bad(`held[${i}]: id and real index disagree`);
      return { slot, id, logit, real, latent: null };
    }
    const bytes = Buffer.from(string(h[4], `held[${i}].latent`), 'base64');
    if (bytes.length === 0 || bytes.length % 4 !== 0 || id < 0) throw bad(`held[${i}].latent is malformed`);
    const latent = new Float32Array(bytes.length / 4);
    new Uint8Array(latent.buffer).set(bytes);
    return { slot, id, logit, real: null, latent };
  });
}

function parsePayload(payload: unknown): DecodedCursor {
  const p = object(payload, 'the cursor');
  const r = object(p.r, 'request');
  const params = object(r.params, 'request.params') as SamplerParams;
  const request: CursorRequest = {
    modelId: string(r.modelId, 'request.modelId'),
    fingerprint: string(r.fingerprint, 'request.fingerprint'),
    sampler: string(r.sampler, 'request.sampler'),
    snapshotVersion: int(r.snapshotVersion, 'request.snapshotVersion'),
    params,
    count: int(r.count, 'request.count', 1),
    seed: int(r.seed, 'request.seed'),
    maxProposals: int(r.maxProposals, 'request.maxProposals', 1),
    batchSize: int(r.batchSize, 'request.batchSize', 1),
    classLabel: r.classLabel == null ? null : int(r.classLabel, 'request.classLabel', 0),
  };
  const c = object(p.c, 'checkpoint');
  const checkpoint: RunCheckpoint = {
    drawn: int(c.drawn, 'drawn', 0, request.maxProposals),
    latents: randomState(c.latents, 'latents'),
    uniforms: randomState(c.uniforms, 'uniforms'),
    samplerRandom: randomState(c.samplerRandom, 'samplerRandom'),
    sampler: (c.sampler ?? null) as SamplerSnapshot,
    held: held(c.held),
    tally: tally(c.tally),
  };
  if (checkpoint.tally.accepted >= request.count) throw bad('is past the end of its stream (every sample was sent)');
  return { request, point: { checkpoint, skip: int(p.skip, 'skip') } };
}
