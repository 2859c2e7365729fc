/**
 * `npm run triton-config`: the config.pbtxt files parse as protobuf text format, and their names
 * and dims match the ONNX files' inputs and outputs as onnxruntime-node reads them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODELS_DIR } from '../../src/models/repository.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'triton-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

type Pb = { [field: string]: PbValue[] };
type PbValue = string | number | Pb;

/** A protobuf text-format parser for what config.pbtxt uses (scalars, messages, lists); every field's values are an array. */
function parsePbtxt(text: string): Pb {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[{}[\]:,]|\S/g) ?? [];
  let i = 0;
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw new Error('unexpected end');
    return t;
  };
  const scalar = (t: string): string | number => {
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (/^-?\d/.test(t)) return Number(t);
    if (/^[A-Za-z_]/.test(t)) return t; // enum value
    throw new Error(`unexpected token ${t}`);
  };
  const message = (end: string | null): Pb => {
    const msg: Pb = {};
    while (i < tokens.length && tokens[i] !== end) {
      const field = next();
      if (!/^[a-z_][a-z0-9_]*$/.test(field)) throw new Error(`bad field name ${field}`);
      let t = next();
      if (t === ':') t = next();
      const values: PbValue[] = [];
      const value = (tok: string): PbValue => (tok === '{' ? message('}') : scalar(tok));
      if (t === '[') {
        for (let v = next(); v !== ']'; v = next()) {
          if (v === ',') continue;
          values.push(value(v));
        }
      } else values.push(value(t));
      (msg[field] ??= []).push(...values);
    }
    if (end !== null) expect(next()).toBe(end);
    return msg;
  };
  return message(null);
}

const one = (pb: Pb, field: string): PbValue => {
  expect(pb[field], field).toHaveLength(1);
  return pb[field]![0]!;
};

async function onnxIo(path: string) {
  const s = await ort.InferenceSession.create(path);
  const io = { input: s.inputMetadata[0]!, output: s.outputMetadata[0]! };
  await s.release();
  const dims = (m: ort.InferenceSession.ValueMetadata) => (m.isTensor ? m.shape.slice(1) : []);
  return { input: { name: io.input.name, dims: dims(io.input) }, output: { name: io.output.name, dims: dims(io.output) } };
}

describe('npm run triton-config', () => {
  it('writes a model repository whose configs match the bundled ONNX files', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/triton-config.ts', out, '--max-batch', '4096'], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(stdout).toMatch(/wrote 6 Triton models/);
    const ids = readdirSync(BUNDLED_MODELS_DIR).filter((d) => existsSync(join(BUNDLED_MODELS_DIR, d, 'manifest.json')));
    expect(ids.length).toBe(2);
    for (const id of ids) {
      const g = await onnxIo(join(BUNDLED_MODELS_DIR, id, 'generator.onnx'));
      const d = await onnxIo(join(BUNDLED_MODELS_DIR, id, 'discriminator.onnx'));
      for (const [part, io] of [
        ['generator', g],
        ['discriminator', d],
      ] as const) {
        const name = `${id}.${part}`;
        const config = parsePbtxt(readFileSync(join(out, name, 'config.pbtxt'), 'utf8'));
        expect(one(config, 'name')).toBe(name);
        expect(one(config, 'platform')).toBe('onnxruntime_onnx');
        expect(one(config, 'max_batch_size')).toBe(4096);
        expect(one(one(config, 'dynamic_batching') as Pb, 'max_queue_delay_microseconds')).toBe(2000);
        const input = one(config, 'input') as Pb;
        const output = one(config, 'output') as Pb;
        expect({ name: one(input, 'name'), type: one(input, 'data_type'), dims: input.dims }).toEqual({
          name: io.input.name,
          type: 'TYPE_FP32',
          dims: io.input.dims,
        });
        expect({ name: one(output, 'name'), type: one(output, 'data_type'), dims: output.dims }).toEqual({
          name: io.output.name,
          type: 'TYPE_FP32',
          dims: io.output.dims,
        });
        expect(readFileSync(join(out, name, '1', 'model.onnx')).equals(readFileSync(join(BUNDLED_MODELS_DIR, id, `${part}.onnx`)))).toBe(true);
      }
      const ensemble = parsePbtxt(readFileSync(join(out, id, 'config.pbtxt'), 'utf8'));
      expect(one(ensemble, 'platform')).toBe('ensemble');
      expect((ensemble.input as Pb[]).map((t) => [one(t, 'name'), t.dims])).toEqual([['latent', g.input.dims]]);
      expect((ensemble.output as Pb[]).map((t) => [one(t, 'name'), t.dims])).toEqual([
        ['sample', g.output.dims],
        ['logit', d.output.dims],
      ]);
      const steps = (one(ensemble, 'ensemble_scheduling') as Pb).step as Pb[];
      const map = (s: Pb, field: string) => (s[field] as Pb[]).map((m) => [one(m, 'key'), one(m, 'value')]);
      expect(steps.map((s) => [one(s, 'model_name'), map(s, 'input_map'), map(s, 'output_map')])).toEqual([
        [`${id}.generator`, [[g.input.name, 'latent']], [[g.output.name, 'sample']]],
        [`${id}.discriminator`, [[d.input.name, 'sample']], [[d.output.name, 'logit']]],
      ]);
      expect(existsSync(join(out, id, '1'))).toBe(true);
    }
  });

  it('refuses a bad flag, naming it', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/triton-config.ts', out, '--max-batch', 'many'], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--max-batch must be a positive integer, got "many"') });
  });
});
