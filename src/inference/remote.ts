/**
 * The remote inference backend: an Open Inference Protocol ("KServe v2") REST client for any
 * server that speaks it (Triton, KServe, MLServer, or another graphql-gan-sampler's `/v2`).
 *
 * A GAN model `{id}` is the round model (`latent` → `sample`, `logit`); its graphs alone are
 * `{id}.generator` and `{id}.discriminator` (see src/oip/). Tensors travel as the binary tensor
 * data extension by default (`Inference-Header-Content-Length`), or as JSON. Infer is idempotent,
 * so connection failures, 502/503/504 and timeouts are retried a bounded number of times; the
 * caller's signal aborts the request in flight.
 */
import { endianness } from 'node:os';
import { abortError, linkAbort } from '../abort.js';
import { ErrorCode, SamplingError } from '../errors.js';
import type { BackendReadiness, InferenceBackend, RoundResult } from './backend.js';
import type { RemoteModelRef, SingleModelSpec, WorkerModelSpec } from './protocol.js';

/** The round model's tensor names (the Triton ensemble's, see scripts/triton-config.ts). */
export const ROUND_INPUT = 'latent';
export const ROUND_SAMPLE = 'sample';
export const ROUND_LOGIT = 'logit';

/** The binary tensor data extension's header: the length of the JSON part of the body. */
export const INFERENCE_HEADER = 'inference-header-content-length';

export interface RemoteBackendOptions {
  /** Base URL of the server (`http://triton:8000`; a trailing `/v2` is accepted). */
  readonly url: string;
  /** Longest one attempt may take. Default 30 s. */
  readonly timeoutMs?: number;
  /** Tries per request (1 = no retry). Default 3. */
  readonly attempts?: number;
  /** Binary tensor data extension (default) or JSON `data` arrays. */
  readonly binary?: boolean;
  /** First retry's wait; doubled each retry. Default 100 ms. */
  readonly retryDelayMs?: number;
  /**
   * Requests in flight before the shared batcher coalesces callers' rounds (the remote server
   * batches too). Default 4.
   */
  readonly concurrency?: number;
  /** Other servers models are sent to (manifest `inference.url` overrides): readiness asks them too. */
  readonly otherUrls?: readonly string[];
  /**
   * For single-input models that are no GAN graph (evaluation classifiers): a local backend,
   * made on first use. Without it such models fail with INFERENCE_FAILED.
   */
  readonly local?: () => InferenceBackend;
}

/** One tensor of a request or response. */
export interface Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Encodes an infer request: JSON `data`, or the binary extension (JSON header, then the raw tensors). */
export function encodeInferRequest(
  inputs: readonly Tensor[],
  outputs: readonly string[],
  binary: boolean,
): { body: Uint8Array; headers: Record<string, string> } {
  if (!binary) {
    const json = {
      inputs: inputs.map((t) => ({ name: t.name, shape: t.shape, datatype: 'FP32', data: Array.from(t.data) })),
      outputs: outputs.map((name) => ({ name })),
    };
    return { body: Buffer.from(JSON.stringify(json)), headers: { 'content-type': 'application/json' } };
  }
  const json = {
    inputs: inputs.map((t) => ({ name: t.name, shape: t.shape, datatype: 'FP32', parameters: { binary_data_size: t.data.byteLength } })),
    outputs: outputs.map((name) => ({ name, parameters: { binary_data: true } })),
  };
  const header = Buffer.from(JSON.stringify(json));
  const body = Buffer.concat([header, ...inputs.map((t) => littleEndian(t.data))]);
  return { body, headers: { 'content-type': 'application/octet-stream', [INFERENCE_HEADER]: String(header.length) } };
}

/** The bytes of a float32 tensor in little-endian order (the extension's), without copying on little-endian hosts. */
export function littleEndian(data: Float32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new DataView(new ArrayBuffer(data.byteLength));
  for (let i = 0; i < data.length; i++) out.setFloat32(i * 4, data[i]!, true);
  return new Uint8Array(out.buffer);
}

/** Float32 values from little-endian bytes (copied: the slice may be unaligned). */
export function fromLittleEndian(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`${bytes.byteLength} bytes is not a whole number of FP32 values`);
  const out = new Float32Array(bytes.byteLength / 4);
  if (endianness() === 'LE') new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

interface ResponseOutput {
  readonly name?: unknown;
  readonly shape?: unknown;
  readonly datatype?: unknown;
  readonly data?: unknown;
  readonly parameters?: { readonly binary_data_size?: unknown };
}

/** Decodes an infer response (JSON, or with the binary extension) into its FP32 outputs by name; throws on anything malformed. */
export function decodeInferResponse(body: Uint8Array, headerLength: string | null): Map<string, Tensor> {
  let jsonEnd = body.byteLength;
  if (headerLength !== null) {
    jsonEnd = Number(headerLength);
    if (!Number.isInteger(jsonEnd) || jsonEnd < 0 || jsonEnd > body.byteLength)
      throw new Error(`bad ${INFERENCE_HEADER} ${headerLength} for a ${body.byteLength}-byte body`);
  }
  const json = JSON.parse(Buffer.from(body.buffer, body.byteOffset, jsonEnd).toString('utf8')) as { outputs?: unknown };
  if (!Array.isArray(json.outputs)) throw new Error('the response has no "outputs" array');
  let offset = jsonEnd;
  const out = new Map<string, Tensor>();
  for (const o of json.outputs as ResponseOutput[]) {
    if (typeof o.name !== 'string') throw new Error('an output has no name');
    if (o.datatype !== 'FP32') throw new Error(`output "${o.name}" is ${String(o.datatype)}, expected FP32`);
    if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`output "${o.name}" has no valid shape`);
    const shape = o.shape as number[];
    const size = o.parameters?.binary_data_size;
    let data: Float32Array;
    if (size !== undefined) {
      if (!Number.isInteger(size) || offset + (size as number) > body.byteLength)
        throw new Error(`output "${o.name}": binary_data_size ${JSON.stringify(size)} runs past the body`);
      data = fromLittleEndian(body.subarray(offset, offset + (size as number)));
      offset += size as number;
    } else {
      if (!Array.isArray(o.data)) throw new Error(`output "${o.name}" has neither data nor binary_data_size`);
      // The spec's `data` is flat (row-major); nested arrays are accepted too.
      const values = o.data as unknown[];
      data = Float32Array.from((values.length > 0 && Array.isArray(values[0]) ? values.flat(Infinity) : values) as number[]);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`output "${o.name}" has ${data.length} values for shape [${shape.join(', ')}]`);
    out.set(o.name, { name: o.name, shape, data });
  }
  return out;
}

/** Strips trailing slashes and a trailing `/v2`: the protocol's paths are appended to the base. */
export function baseUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, '');
  if (u.endsWith('/v2')) u = u.slice(0, -3);
  const parsed = new URL(u); // throws on a malformed URL
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`inference URL must be http(s), got ${url}`);
  return u;
}

/** A retryable failure (the server is unreachable, overloaded, or slow). */
class Unavailable extends Error {}

export class RemoteBackend implements InferenceBackend {
  readonly kind = 'remote';
  readonly url: string;
  readonly binary: boolean;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private localBackend: InferenceBackend | undefined;
  private inFlight = 0;
  private readonly concurrency: number;
  private readonly freedListeners = new Set<() => void>();
  private closed = false;
  /** Requests in flight, aborted by `close()`. */
  private readonly requests = new Set<AbortController>();
  rounds = 0;

  constructor(private readonly options: RemoteBackendOptions) {
    this.url = baseUrl(options.url);
    this.binary = options.binary ?? true;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.attempts = Math.max(1, Math.floor(options.attempts ?? 3));
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  }

  get size(): number {
    return this.localBackend?.size ?? 0;
  }

  get intraOpNumThreads(): number {
    return this.localBackend?.intraOpNumThreads ?? 0;
  }

  /** Requests sent and not answered yet (a remote server queues them itself). */
  get queued(): number {
    return this.inFlight;
  }

  /** Free request places: the batcher sends a batch at once while there are some. */
  get idleWorkers(): number {
    return Math.max(0, this.concurrency - this.inFlight);
  }

  onFreed(listener: () => void): () => void {
    this.freedListeners.add(listener);
    return () => this.freedListeners.delete(listener);
  }

  /** Ready at once: the remote server's readiness is asked by `readiness()` (a server started before it comes up retries). */
  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  /** `GET /v2/health/ready` of the remote server and of each per-model server: ready when all are. */
  async readiness(signal?: AbortSignal): Promise<BackendReadiness> {
    if (this.closed) return { ready: false, reason: 'the inference backend is closed' };
    const urls = [...new Set([this.url, ...(this.options.otherUrls ?? []).map(baseUrl)])];
    const answers = await Promise.all(urls.map((url) => this.serverReadiness(url, signal)));
    return answers.find((a) => !a.ready) ?? { ready: true };
  }

  private async serverReadiness(url: string, signal: AbortSignal | undefined): Promise<BackendReadiness> {
    try {
      const controller = new AbortController();
      const unlink = linkAbort(signal, controller);
      const timer = setTimeout(() => controller.abort(), Math.min(this.timeoutMs, 2000));
      let response: Response;
      try {
        response = await fetch(`${url}/v2/health/ready`, { signal: controller.signal });
        await response.arrayBuffer();
      } finally {
        clearTimeout(timer);
        unlink();
      }
      return response.ok ? { ready: true } : { ready: false, reason: `${url}/v2/health/ready answered ${response.status}` };
    } catch (error) {
      return { ready: false, reason: `${url}/v2/health/ready: ${describe(error)}` };
    }
  }

  async run(model: WorkerModelSpec, latents: Float32Array, rows: number, signal?: AbortSignal): Promise<RoundResult> {
    const started = performance.now();
    const { url, name } = this.target(model.id, model.remote);
    const outputs = await this.infer(url, name, [{ name: ROUND_INPUT, shape: [rows, model.latentDim], data: latents }], [ROUND_SAMPLE, ROUND_LOGIT], signal);
    const sampleSize = model.outputShape.reduce((a, b) => a * b, 1);
    const samples = expectOutput(outputs, ROUND_SAMPLE, rows * sampleSize, url, name);
    const logits = expectOutput(outputs, ROUND_LOGIT, rows, url, name);
    this.rounds++;
    return { samples, logits, inferenceMs: performance.now() - started };
  }

  async runSingle(model: SingleModelSpec, input: Float32Array, rows: number, signal?: AbortSignal): Promise<Float32Array[]> {
    if (!model.part) {
      // Not a GAN graph (an evaluation classifier): run it here.
      if (!this.options.local) throw new SamplingError(ErrorCode.INFERENCE_FAILED, `model "${model.id}" has no remote counterpart`, { model: model.id });
      this.localBackend ??= this.options.local();
      await this.localBackend.whenReady();
      return this.localBackend.runSingle(model, input, rows, signal);
    }
    const { url, name } = this.target(model.part.model, model.part.remote);
    const graph = `${name}.${model.part.graph}`;
    const outputs = await this.infer(url, graph, [{ name: model.input, shape: [rows, ...model.rowShape], data: input }], model.outputs, signal);
    const result = model.outputs.map((o) => {
      const perRow = (outputs.get(o)?.data.length ?? 0) / rows;
      return expectOutput(outputs, o, rows * (Number.isInteger(perRow) && perRow > 0 ? perRow : 1), url, graph);
    });
    this.rounds++;
    return result;
  }

  private target(modelId: string, remote: RemoteModelRef | undefined): { url: string; name: string } {
    return { url: remote?.url ? baseUrl(remote.url) : this.url, name: remote?.model ?? modelId };
  }

  /** One infer request with its retries; the caller's signal aborts it at any point. */
  private async infer(
    url: string,
    model: string,
    inputs: readonly Tensor[],
    outputs: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<Map<string, Tensor>> {
    if (this.closed) throw new SamplingError(ErrorCode.SHUTTING_DOWN, 'the inference backend is closed');
    const endpoint = `${url}/v2/models/${encodeURIComponent(model)}/infer`;
    const { body, headers } = encodeInferRequest(inputs, outputs, this.binary);
    const facts = { url, model };
    let last = '';
    this.inFlight++;
    try {
      for (let attempt = 1; attempt <= this.attempts; attempt++) {
        if (signal?.aborted) throw abortError(signal);
        if (this.closed) throw new SamplingError(ErrorCode.SHUTTING_DOWN, 'the inference backend is closed');
        try {
          return await this.attempt(endpoint, body, headers, signal, facts);
        } catch (error) {
          if (!(error instanceof Unavailable)) throw error;
          last = error.message;
        }
        if (attempt < this.attempts) await sleep(this.retryDelayMs * 2 ** (attempt - 1), signal);
      }
    } finally {
      this.inFlight--;
      for (const listener of this.freedListeners) listener();
    }
    if (signal?.aborted) throw abortError(signal);
    throw new SamplingError(
      ErrorCode.INFERENCE_UNAVAILABLE,
      `inference server ${url} unavailable for model "${model}" after ${this.attempts} attempt(s): ${last}`,
      {
        ...facts,
        attempts: this.attempts,
      },
    );
  }

  private async attempt(
    endpoint: string,
    body: Uint8Array,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    facts: { url: string; model: string },
  ): Promise<Map<string, Tensor>> {
    // One controller per attempt: the caller's signal, the timeout and close() abort it; nothing stays linked after.
    const controller = new AbortController();
    const unlink = linkAbort(signal, controller);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    this.requests.add(controller);
    let response: Response;
    let bytes: Uint8Array;
    try {
      response = await fetch(endpoint, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers, signal: controller.signal });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      if (this.closed) throw new SamplingError(ErrorCode.SHUTTING_DOWN, 'the inference backend is closed');
      if (timedOut) throw new Unavailable(`no answer within ${this.timeoutMs} ms (INFERENCE_TIMEOUT_MS)`);
      throw new Unavailable(describe(error));
    } finally {
      clearTimeout(timer);
      unlink();
      this.requests.delete(controller);
    }
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      throw new Unavailable(`${response.status} ${errorMessage(bytes)}`);
    }
    if (!response.ok) {
      throw new SamplingError(
        ErrorCode.INFERENCE_FAILED,
        `inference server ${facts.url} answered ${response.status} for model "${facts.model}": ${errorMessage(bytes)}`,
        {
          ...facts,
          status: response.status,
        },
      );
    }
    try {
      return decodeInferResponse(bytes, response.headers.get(INFERENCE_HEADER));
    } catch (error) {
      throw new SamplingError(
        ErrorCode.INFERENCE_FAILED,
        `inference server ${facts.url} sent an invalid response for model "${facts.model}": ${describe(error)}`,
        facts,
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const request of this.requests) request.abort();
    await this.localBackend?.close();
  }
}

function expectOutput(outputs: Map<string, Tensor>, name: string, values: number, url: string, model: string): Float32Array {
  const t = outputs.get(name);
  if (!t) throw new SamplingError(ErrorCode.INFERENCE_FAILED, `inference server ${url} sent no output "${name}" for model "${model}"`, { url, model });
  if (t.data.length !== values) {
    throw new SamplingError(
      ErrorCode.INFERENCE_FAILED,
      `inference server ${url}: output "${name}" of model "${model}" has ${t.data.length} values, expected ${values}`,
      {
        url,
        model,
      },
    );
  }
  return t.data;
}

/** The spec's `{"error": "..."}` message, or the start of whatever the body was. */
function errorMessage(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 2000)).toString('utf8');
  try {
    const json = JSON.parse(text) as { error?: unknown };
    if (typeof json.error === 'string') return json.error;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || '(empty body)';
}

/** A fetch failure's useful part: undici puts the socket error (ECONNREFUSED …) in `cause`. */
function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause ? ` (${e.cause.code ?? e.cause.message ?? 'unknown cause'})` : '';
  return `${e.message ?? String(error)}${cause}`;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
