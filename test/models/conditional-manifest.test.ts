/**
 * Loading class-conditional models: every wrong `conditioning` / `calibration.labels` and every
 * mismatch with the ONNX files is FAILED with an error naming the field or file, on copies of
 * the bundled fashion-mnist-cond whose manifest is edited.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/repository.js';
import { COND_DIR } from '../helpers/conditional.js';

const tmp = mkdtempSync(join(tmpdir(), 'gan-cond-manifest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FILES = ['generator.onnx', 'discriminator.onnx', 'calibration-real.f32', 'calibration-labels.i64', 'classifier.onnx', 'real-features.json', 'latent-gradient.onnx'];

/** `<tmp>/<id>`: the bundled model's files (linked) and its manifest with `edit` applied. */
function variant(id: string, edit: (m: Record<string, any>) => void, files: Record<string, Buffer> = {}): string {
  const dir = join(tmp, id);
  mkdirSync(dir);
  for (const f of FILES) if (!files[f]) symlinkSync(join(COND_DIR, f), join(dir, f));
  for (const [f, bytes] of Object.entries(files)) writeFileSync(join(dir, f), bytes);
  const manifest = { ...JSON.parse(readFileSync(join(COND_DIR, 'manifest.json'), 'utf8')), id };
  edit(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

const labelsFile = (values: number[]): Buffer => Buffer.from(BigInt64Array.from(values.map(BigInt)).buffer);

const cases: [string, (m: Record<string, any>) => void, RegExp, Record<string, Buffer>?][] = [
  ['kind', (m) => (m.conditioning.kind = 'style'), /"conditioning\.kind" must be "class" \(the only kind this version knows\), got "style"/],
  ['no-input', (m) => delete m.conditioning.input, /"conditioning\.input" must name the int64 label input of G and D, got missing/],
  ['no-labels', (m) => (m.conditioning.labels = []), /"conditioning\.labels" must be a non-empty array of class names, got \[\]/],
  ['repeated', (m) => (m.conditioning.labels[1] = m.conditioning.labels[0]), /"conditioning\.labels" must not repeat a name/],
  ['not-object', (m) => (m.conditioning = 'class'), /"conditioning" must be an object like \{"kind": "class"/],
  ['no-calibration-labels', (m) => delete m.calibration.labels, /"calibration\.labels" is required for a class-conditional model/],
  ['labels-unconditional', (m) => delete m.conditioning, /"calibration\.labels" is only for a class-conditional model: add "conditioning" or remove it/],
  [
    'onnx-unconditional',
    (m) => {
      delete m.conditioning;
      delete m.calibration.labels;
    },
    /onnx-unconditional\/generator\.onnx: must have exactly one input, found 2 \("z", "label"\)/,
  ],
  ['wrong-input', (m) => (m.conditioning.input = 'class'), /generator\.onnx: a class-conditional model's file must have exactly two inputs, the data and the int64 label "class" \(manifest conditioning\.input\), found 2 \("z", "label"\)/],
  ['labels-size', () => {}, /labels-size\/calibration-labels\.i64: 8 bytes, expected 16000 \(calibration\.count 2000 × one int64 label\)/, { 'calibration-labels.i64': labelsFile([0]) }],
  ['labels-range', (m) => (m.conditioning.labels = m.conditioning.labels.slice(0, 5)), /labels-range\/calibration-labels\.i64: label [5-9] of real sample \d+ is not a class of conditioning\.labels \(0 to 4\)/],
  [
    'class-without-real',
    () => {},
    /class-without-real\/calibration-labels\.i64: no real sample of class 9 \("Ankle boot"\); calibration is per class and needs some of each/,
    { 'calibration-labels.i64': labelsFile(Array.from({ length: 2000 }, (_, i) => i % 9)) },
  ],
];

describe('class-conditional manifests and files', () => {
  it('the bundled model loads READY from a copy', async () => {
    const entry = await loadModel(variant('good', () => {}), 'good');
    expect(entry.status, entry.status === 'FAILED' ? entry.error : '').toBe('READY');
  });

  it.each(cases)('%s → FAILED with a clear error', async (id, edit, message, files) => {
    const entry = await loadModel(variant(id, edit, files), id);
    expect(entry.status).toBe('FAILED');
    expect(entry.status === 'FAILED' && entry.error).toMatch(message);
  });
});
