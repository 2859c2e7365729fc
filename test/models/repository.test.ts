/** The model repository: good models load READY; every bad case is FAILED with an error naming the file and the problem. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODELS_DIR, loadModel, loadModelRepository } from '../../src/models/repository.js';
import { FIXTURE_MODELS_DIR, FIXTURE_ONNX_DIR } from '../helpers/engine.js';

const tmp = mkdtempSync(join(tmpdir(), 'gan-models-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const goodManifest = () => JSON.parse(readFileSync(join(FIXTURE_MODELS_DIR, 'uniform-gaussian-1d', 'manifest.json'), 'utf8'));

/** A fresh folder for one test's models, inside `tmp`. */
const modelsRoot = (): string => mkdtempSync(join(tmp, 'models-'));

/** A copy of uniform-gaussian-1d in `<root>/<id>`, with edits to the manifest and files. */
function variant(root: string, id: string, edit: (m: Record<string, any>) => void = () => {}, files: Record<string, string> = {}): string {
  const dir = join(root, id);
  cpSync(join(FIXTURE_MODELS_DIR, 'uniform-gaussian-1d'), dir, { recursive: true });
  const manifest = { ...goodManifest(), id };
  edit(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  for (const [name, source] of Object.entries(files)) cpSync(join(FIXTURE_ONNX_DIR, source), join(dir, name));
  return dir;
}

async function failure(root: string, id: string): Promise<string> {
  const entry = await loadModel(join(root, id), id);
  expect(entry.status).toBe('FAILED');
  return entry.status === 'FAILED' ? entry.error : '';
}

describe('model repository', () => {
  it('loads every fixture READY with its tensor names', async () => {
    const repo = await loadModelRepository(FIXTURE_MODELS_DIR);
    const ids = repo.list().map((m) => m.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toContain('uniform-gaussian-1d');
    for (const m of repo.list()) expect(m.status, m.status === 'FAILED' ? m.error : '').toBe('READY');
    const ug = repo.get('uniform-gaussian-1d');
    expect(ug?.status === 'READY' && ug.descriptor.realSamples).toBe(4000); // its held-out real samples
    const rare = repo.get('rare-tail-1d');
    expect(rare?.status === 'READY' && rare.descriptor.realSamples).toBe(0);
    const tiny = repo.get('tiny-image');
    expect(tiny?.status === 'READY' && tiny.sampleSize).toBe(4);
    expect(tiny?.status === 'READY' && tiny.signature).toEqual({ generatorInput: 'z', generatorOutput: 'x', discriminatorInput: 'x', discriminatorOutput: 'logit' });
  });

  it('loads a latent-gradient graph named in the manifest (gaussians25), and none where none is named', async () => {
    const g25 = await loadModel(join(BUNDLED_MODELS_DIR, 'gaussians25'), 'gaussians25');
    expect(g25.status === 'READY' ? g25.latentGradientPath : g25.error).toBe(join(BUNDLED_MODELS_DIR, 'gaussians25', 'latent-gradient.onnx'));
    const plain = await loadModel(variant(modelsRoot(), 'plain'), 'plain');
    expect(plain.status === 'READY' && plain.latentGradientPath).toBeNull();
  });

  it('refuses a missing models folder, or a file, naming the modelsDir option (not the standalone server\'s MODELS_DIR)', async () => {
    for (const path of [join(tmp, 'nope'), join(FIXTURE_MODELS_DIR, 'uniform-gaussian-1d', 'manifest.json')]) {
      const error = await loadModelRepository(path).then(() => null, (e: Error) => e);
      expect(error?.message).toBe(`modelsDir: ${path} does not exist or is not a folder`);
    }
  });

  const cases: [string, (root: string) => void, RegExp][] = [
    ['bad-json', (root) => writeFileSync(join(variant(root, 'bad-json'), 'manifest.json'), '{ not json'), /bad-json\/manifest\.json: is not valid JSON/],
    ['no-manifest', (root) => rmSync(join(variant(root, 'no-manifest'), 'manifest.json')), /no-manifest\/manifest\.json: not found/],
    ['id-mismatch', (root) => variant(root, 'id-mismatch', (m) => (m.id = 'other')), /"id" is "other" but the folder is "id-mismatch"/],
    ['missing-fields', (root) => variant(root, 'missing-fields', (m) => { delete m.title; delete m.latent; }), /"title" must be a non-empty string, got missing; "latent" must be an object/],
    ['bad-distribution', (root) => variant(root, 'bad-distribution', (m) => (m.latent.distribution = 'cauchy')), /"latent\.distribution" must be "normal" or "uniform", got "cauchy"/],
    ['bad-latent-dim', (root) => variant(root, 'bad-latent-dim', (m) => (m.latent.dim = 0)), /"latent\.dim" must be a positive integer, got 0/],
    ['bad-kind', (root) => variant(root, 'bad-kind', (m) => (m.output.kind = 'audio')), /"output\.kind" must be "vector" or "image", got "audio"/],
    ['image-no-range', (root) => variant(root, 'image-no-range', (m) => (m.output = { shape: [1, 1, 1], kind: 'image' })), /"output\.range" of an image must be \[low, high\]/],
    ['bad-d-output', (root) => variant(root, 'bad-d-output', (m) => (m.discriminatorOutput = 'score')), /"discriminatorOutput" must be "logit" or "probability", got "score"/],
    ['escape-path', (root) => variant(root, 'escape-path', (m) => (m.generator = '../x.onnx')), /"generator" must be a file inside the model folder/],
    ['missing-file', (root) => variant(root, 'missing-file', (m) => (m.discriminator = 'd.onnx')), /missing-file\/d\.onnx: file not found/],
    ['latent-mismatch', (root) => variant(root, 'latent-mismatch', (m) => (m.latent.dim = 3)), /generator\.onnx: input "z" \(latent\.dim 3\) has shape \[batch, 1\], expected \[batch, 3\]/],
    ['shape-mismatch', (root) => variant(root, 'shape-mismatch', (m) => (m.output.shape = [3])), /generator\.onnx: output "x" \(output\.shape \[3\]\) has shape \[batch, 1\], expected \[batch, 3\]/],
    ['g-does-not-feed-d', (root) => variant(root, 'g-does-not-feed-d', (m) => (m.output.shape = [3]), { 'generator.onnx': 'generator-out3.onnx' }), /discriminator\.onnx: input "x" \(must accept generator\.onnx's output \[batch, 3\]\) has shape \[batch, 1\]/],
    ['static-batch', (root) => variant(root, 'static-batch', () => {}, { 'generator.onnx': 'static-batch-generator.onnx' }), /generator\.onnx: input "z".*the batch axis \(dim 0\) must be dynamic, found fixed size 8/],
    ['two-inputs', (root) => variant(root, 'two-inputs', () => {}, { 'discriminator.onnx': 'two-input-discriminator.onnx' }), /discriminator\.onnx: must have exactly one input, found 2 \("x", "y"\)/],
    ['not-onnx', (root) => variant(root, 'not-onnx', () => {}, { 'generator.onnx': 'not-onnx.onnx' }), /not-onnx\/generator\.onnx: cannot be loaded by onnxruntime: Load model from not-onnx\/generator\.onnx failed/],
    ['manifest-is-dir', (root) => { const dir = variant(root, 'manifest-is-dir'); rmSync(join(dir, 'manifest.json')); mkdirSync(join(dir, 'manifest.json')); }, /manifest-is-dir\/manifest\.json: cannot be read \(EISDIR/],
    ['real-missing', (root) => variant(root, 'real-missing', (m) => (m.calibration.realSamples = 'real.f32')), /real-missing\/real\.f32: file not found \(named in manifest\.json "calibration\.realSamples"\)/],
    ['real-size', (root) => variant(root, 'real-size', (m) => (m.calibration.count = 4001)), /real-size\/calibration-real\.f32: 16000 bytes, expected 16004 \(calibration\.count 4001 × 1 float32 values per sample\)/],
    ['bad-inference', (root) => variant(root, 'bad-inference', (m) => (m.inference = { url: 'triton:8000', modle: 'x' })), /"inference" must be \{"url": "http\(s\):\/\/…", "model": "<name on that server>"\} \(both optional\), got \{"url":"triton:8000","modle":"x"\}/],
    ['real-escape', (root) => variant(root, 'real-escape', (m) => (m.calibration.realSamples = '../real.f32')), /"calibration\.realSamples" must be a file inside the model folder/],
    ['grad-missing', (root) => variant(root, 'grad-missing', (m) => (m.latentGradient = 'latent-gradient.onnx')), /grad-missing\/latent-gradient\.onnx: file not found \(named in manifest\.json "latentGradient"\)/],
    ['grad-escape', (root) => variant(root, 'grad-escape', (m) => (m.latentGradient = '../latent-gradient.onnx')), /"latentGradient" must be a file inside the model folder/],
    ['grad-not-string', (root) => variant(root, 'grad-not-string', (m) => (m.latentGradient = true)), /"latentGradient" must be a non-empty string \(an ONNX file in the model folder\), got true/],
    // G itself as the gradient graph: input "z" fits, outputs "logit" and "grad" are missing
    ['grad-outputs', (root) => variant(root, 'grad-outputs', (m) => (m.latentGradient = 'generator.onnx')), /grad-outputs\/generator\.onnx: must have outputs "x", "logit" and "grad"; missing "logit", "grad" \(found "x"\)/],
    // gaussians25's graph (2-D latent) named by a 1-D model
    ['grad-dims', (root) => { const dir = variant(root, 'grad-dims', (m) => (m.latentGradient = 'lg.onnx')); cpSync(join(BUNDLED_MODELS_DIR, 'gaussians25', 'latent-gradient.onnx'), join(dir, 'lg.onnx')); }, /grad-dims\/lg\.onnx: input "z" \(latent\.dim 1\) has shape \[batch, 2\], expected \[batch, 1\]/],
  ];

  it.each(cases)('%s → FAILED with a clear error', async (id, make, message) => {
    const root = modelsRoot();
    make(root);
    expect(await failure(root, id)).toMatch(message);
  });

  it('keeps serving the good models beside the broken ones', async () => {
    const root = modelsRoot();
    for (const [, make] of cases) make(root);
    variant(root, 'good-one');
    const repo = await loadModelRepository(root);
    expect(repo.get('good-one')?.status).toBe('READY');
    expect(repo.ready().map((m) => m.id)).toEqual(['good-one']);
    const failed = repo.list().filter((m) => m.status === 'FAILED');
    expect(failed.length).toBe(cases.length);
    // Errors name files relative to the models folder, even onnxruntime's own messages.
    for (const m of failed) expect(m.status === 'FAILED' && m.error, m.id).not.toContain(root);
  });
});
