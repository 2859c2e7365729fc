/** A models folder with the bundled class-conditional model and one unconditional fixture, for the conditional tests. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_MODELS_DIR } from '../../src/models/repository.js';
import { FIXTURE_MODELS_DIR } from './engine.js';

export const COND_ID = 'fashion-mnist-cond';
export const COND_DIR = join(BUNDLED_MODELS_DIR, COND_ID);

export function conditionalModelsDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gan-cond-'));
  cpSync(COND_DIR, join(dir, COND_ID), { recursive: true });
  cpSync(join(FIXTURE_MODELS_DIR, 'uniform-gaussian-1d'), join(dir, 'uniform-gaussian-1d'), { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The class of each held-out real sample of the bundled conditional model. */
export function calibrationLabels(bytes: Buffer): number[] {
  return Array.from(new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), Number);
}
