/**
 * Open Inference Protocol request bodies: JSON (`data` arrays) or the binary tensor data
 * extension (a JSON header of `Inference-Header-Content-Length` bytes, then raw little-endian
 * tensors), checked against what a model expects. Every problem is a `ProtocolError` whose
 * message names the tensor and what was wrong.
 */
import { fromLittleEndian, INFERENCE_HEADER, littleEndian } from '../inference/remote.js';

/** An error the protocol answers as `{"error": message}` with this HTTP status. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string): ProtocolError => new ProtocolError(400, message);

/** A tensor a model takes or gives: its name and shape, −1 for the batch axis. */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface DecodedInput {
  readonly rows: number;
  readonly data: Float32Array;
}

export interface DecodedRequest {
  readonly id: string | undefined;
  readonly input: DecodedInput;
  /** Outputs to return, with whether each goes as binary data. */
  readonly outputs: readonly { readonly name: string; readonly binary: boolean }[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses an infer request for a model with one FP32 input and the given outputs. `maxRows`
 * bounds the batch; `headerLength` is the `Inference-Header-Content-Length` header, if sent.
 */
export function decodeRequest(
  body: Buffer,
  headerLength: string | undefined,
  input: TensorSpec,
  outputs: readonly TensorSpec[],
  maxRows: number,
): DecodedRequest {
  let jsonEnd = body.length;
  if (headerLength !== undefined) {
    jsonEnd = Number(headerLength);
    if (!/^\d+$/.test(headerLength) || jsonEnd > body.length) {
      throw bad(`${INFERENCE_HEADER} must be the length of the JSON header, at most the body's ${body.length} bytes; got "${headerLength}"`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(body.subarray(0, jsonEnd).toString('utf8'));
  } catch (error) {
    throw bad(
      `the request body is not JSON${headerLength === undefined ? ` (binary tensors need the ${INFERENCE_HEADER} header)` : ''}: ${(error as Error).message}`,
    );
  }
  if (!isObject(json)) throw bad('the request must be a JSON object with "inputs"');
  if (json.id !== undefined && typeof json.id !== 'string') throw bad('"id" must be a string');
  const inputs = json.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw bad(`"inputs" must be a non-empty array; this model takes one input "${input.name}"`);
  if (inputs.length !== 1) throw bad(`this model takes one input "${input.name}", got ${inputs.length} inputs`);
  const tensor: unknown = inputs[0];
  if (!isObject(tensor)) throw bad('each input must be an object with name, shape, datatype and data');
  if (tensor.name !== input.name) throw bad(`unknown input ${JSON.stringify(tensor.name)}: this model's input is "${input.name}"`);
  const where = `input "${input.name}"`;
  if (tensor.datatype !== 'FP32') throw bad(`${where}: datatype must be FP32, got ${JSON.stringify(tensor.datatype)}`);
  const shape = tensor.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw bad(`${where}: "shape" must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const expected = `[${input.shape.map((d) => (d < 0 ? 'batch' : d)).join(', ')}]`;
  if (shape.length !== input.shape.length || input.shape.some((d, i) => d >= 0 && d !== shape[i])) {
    throw bad(`${where}: shape must be ${expected}, got [${shape.join(', ')}]`);
  }
  const rows = shape[0] as number;
  if (rows < 1) throw bad(`${where}: the batch (first dimension) must be at least 1, got ${rows}`);
  if (rows > maxRows) throw bad(`${where}: a batch of ${rows} rows is more than the ${maxRows} allowed (MAX_REQUEST_BATCH_SIZE)`);
  const count = (shape as number[]).reduce((a, b) => a * b, 1);

  let data: Float32Array;
  const size = isObject(tensor.parameters) ? tensor.parameters.binary_data_size : undefined;
  if (size !== undefined) {
    if (headerLength === undefined) throw bad(`${where}: binary_data_size needs the ${INFERENCE_HEADER} header`);
    if (!Number.isSafeInteger(size) || (size as number) !== count * 4)
      throw bad(`${where}: binary_data_size must be ${count * 4} (${count} FP32 values), got ${JSON.stringify(size)}`);
    if (jsonEnd + count * 4 !== body.length) throw bad(`${where}: the body holds ${body.length - jsonEnd} bytes after the JSON header, expected ${count * 4}`);
    data = fromLittleEndian(body.subarray(jsonEnd, jsonEnd + count * 4));
  } else {
    if (tensor.data === undefined) throw bad(`${where}: "data" is missing (or send binary_data_size with binary data)`);
    const raw = Array.isArray(tensor.data) ? (tensor.data as unknown[]) : null;
    const flat = raw && raw.length > 0 && Array.isArray(raw[0]) ? raw.flat(Infinity) : raw;
    if (!flat) throw bad(`${where}: "data" must be an array of numbers`);
    if (flat.length !== count) throw bad(`${where}: "data" has ${flat.length} values, shape [${shape.join(', ')}] needs ${count}`);
    data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const v = flat[i];
      if (typeof v !== 'number') throw bad(`${where}: "data"[${i}] is ${JSON.stringify(v)}, not a number`);
      data[i] = v;
    }
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw bad(`${where}: value ${i} is ${data[i]}; inputs must be finite`);
  }

  const binaryAll = isObject(json.parameters) && json.parameters.binary_data_output === true;
  let wanted: { name: string; binary: boolean }[];
  if (json.outputs === undefined) wanted = outputs.map((o) => ({ name: o.name, binary: binaryAll }));
  else {
    if (!Array.isArray(json.outputs)) throw bad('"outputs" must be an array');
    wanted = json.outputs.map((o: unknown) => {
      if (!isObject(o) || typeof o.name !== 'string') throw bad('each requested output must be an object with a "name"');
      if (!outputs.some((spec) => spec.name === o.name))
        throw bad(`unknown output "${o.name}": this model's outputs are ${outputs.map((s) => `"${s.name}"`).join(', ')}`);
      const binary = isObject(o.parameters) && typeof o.parameters.binary_data === 'boolean' ? o.parameters.binary_data : binaryAll;
      return { name: o.name, binary };
    });
  }
  return { id: json.id, input: { rows, data }, outputs: wanted };
}

export interface OutputTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The response body: JSON, or JSON then binary outputs (with the header length to send). */
export function encodeResponse(
  head: { readonly model_name: string; readonly model_version?: string; readonly id?: string | undefined },
  outputs: readonly (OutputTensor & { readonly binary: boolean })[],
): { body: Buffer; headerLength: number | undefined } {
  const binaries: Uint8Array[] = [];
  const json = {
    ...head,
    outputs: outputs.map((o) => {
      const base = { name: o.name, datatype: 'FP32', shape: o.shape };
      if (!o.binary) return { ...base, data: Array.from(o.data) };
      binaries.push(littleEndian(o.data));
      return { ...base, parameters: { binary_data_size: o.data.byteLength } };
    }),
  };
  const header = Buffer.from(JSON.stringify(json));
  if (binaries.length === 0) return { body: header, headerLength: undefined };
  return { body: Buffer.concat([header, ...binaries]), headerLength: header.length };
}
