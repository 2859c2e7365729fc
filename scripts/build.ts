/**
 * `npm run build` (also run by `npm start` and, through prepack, by `npm pack`/`npm publish`):
 * a clean dist/ with src/ and plugins/ compiled, plus the pages' static files, which tsc does
 * not copy and the built pages read from beside their module.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// typescript's exports map hides bin/: find it through its package.json.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

rmSync(`${root}dist`, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
cpSync(`${root}src/pages/static`, `${root}dist/src/pages/static`, { recursive: true });
