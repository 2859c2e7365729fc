/// <reference lib="dom" />
/**
 * The offline pages in a real headless Chromium (via playwright-core; test/helpers/browser.ts finds
 * the binary): GraphiQL runs a query and a subscription; the comparison page streams columns side
 * by side. Every request a page makes must stay on the test server (nothing from a CDN).
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/standalone.js';
import { BUNDLED_MODELS_DIR } from '../../src/models/repository.js';
import { launchChromium } from '../helpers/browser.js';

const OUT = 'test-output';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    logger: { info() {}, warn: console.warn, error: console.error },
    sampling: { modelsDir: BUNDLED_MODELS_DIR, pool: { workers: 1, intraOpNumThreads: 2 } },
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A new page that records every request leaving the test server, and every page error, in `foreign`. */
async function newPage(): Promise<{ page: Page; foreign: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const foreign: string[] = [];
  const origin = new URL(server.url).origin;
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith(origin.replace('http', 'ws')) && !url.startsWith('data:')) foreign.push(url);
  });
  page.on('pageerror', (e) => foreign.push(`page error: ${e.message}`));
  return { page, foreign };
}

async function openPage(path: string): Promise<{ page: Page; foreign: string[] }> {
  const opened = await newPage();
  await opened.page.goto(new URL(path, server.url).href);
  return opened;
}

describe('pages', () => {
  it('serves the pages beside the API', () => {
    expect(server.pages).toBe(true);
  });

  it('GraphiQL works offline, including a subscription over graphql-ws', async () => {
    const { page, foreign } = await newPage();
    const introspection = page.waitForResponse((r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('IntrospectionQuery'));
    await page.goto(new URL('/graphql', server.url).href);
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    expect((await (await introspection).json()).data.__schema.subscriptionType.name).toBe('Subscription');
    // Replace the editor's text with a subscription and run it.
    await page.evaluate((text) => {
      const editor = document.querySelector('.graphiql-query-editor .CodeMirror') as HTMLElement & { CodeMirror: { setValue(v: string): void } };
      editor.CodeMirror.setValue(text);
    }, 'subscription { sampleStream(input: {modelId: "gaussians25", sampler: {name: "naive"}, count: 30, seed: 1}) { done stats { accepted } } }');
    // GraphiQL ignores Run until it has built its schema from the introspection result; retry.
    const ran = () =>
      page.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.includes('"done": true'), null, { timeout: 10_000 });
    let ok = false;
    for (let attempt = 0; attempt < 6 && !ok; attempt++) {
      await page.click('.graphiql-query-editor .CodeMirror-lines');
      await page.keyboard.press('Control+Enter');
      ok = await ran().then(
        () => true,
        () => false,
      );
    }
    if (!ok) await page.screenshot({ path: `${OUT}/graphiql-failed.png` });
    expect(ok).toBe(true);
    const response = await page.textContent('.graphiql-response');
    expect(response).toMatch(/"accepted": 30/);
    await page.screenshot({ path: `${OUT}/graphiql.png` });
    expect(foreign).toEqual([]);
    await page.close();
  });

  it('the comparison page streams samplers side by side and updates their numbers', async () => {
    const { page, foreign } = await openPage('/?model=gaussians25&columns=3');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#configs .config').count()).toBe(3);
    await page.fill('#count', '1500');
    await page.click('#start');
    const column = (i: number) => page.locator(`[data-testid="column-${i}"]`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="column-1"]')?.getAttribute('data-accepted') ?? 0) > 0, null, {
      timeout: 60_000,
    });
    const early = Number(await column(1).getAttribute('data-accepted'));
    await page.waitForFunction(() => document.querySelectorAll('[data-done="true"]').length === 3, null, { timeout: 120_000 });
    for (let i = 0; i < 3; i++) {
      expect(await column(i).getAttribute('data-accepted')).toBe('1500');
      expect(await column(i).getAttribute('data-points')).toBe('1500');
      expect(await column(i).getAttribute('data-error')).toBeNull();
    }
    expect(early).toBeLessThan(1500); // the numbers really moved while streaming
    // Points were drawn: the scatter canvas is no longer blank where the modes are.
    const inked = await column(0)
      .locator('canvas.scatter')
      .evaluate((c: HTMLCanvasElement) => {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i + 2]! > data[i]! + 40) n++;
        return n;
      });
    expect(inked).toBeGreaterThan(500);
    // Metrics per column: DRS (column 1, gamma 0) beats naive (column 0) on the high-quality share.
    const hq = async (i: number) => parseFloat((await column(i).locator('dd[data-metric="high quality"]').textContent())!);
    expect(await hq(1)).toBeGreaterThan(await hq(0));
    expect(await column(1).locator('.strip.high span').count()).toBe(8);
    await page.screenshot({ path: `${OUT}/compare-gaussians25.png`, fullPage: true });
    expect(foreign).toEqual([]);
    await page.close();
  });

  it('shows image grids and image metrics for an image model', async () => {
    // DRS with a 5,000-sample burn-in: the default 100,000 (G and D on 28×28 images) took over 2 minutes on this loaded machine.
    const { page, foreign } = await openPage('/?model=fashion-mnist&s=naive&s=drs:gamma=0,burnInSamples=5000');
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#count', '24');
    await page.click('#start');
    await page.waitForFunction(() => document.querySelectorAll('[data-done="true"]').length === 2, null, { timeout: 120_000 });
    for (const i of [0, 1]) {
      const column = page.locator(`[data-testid="column-${i}"]`);
      expect(await column.getAttribute('data-error')).toBeNull();
      const sizes = await column
        .locator('.grid img')
        .evaluateAll((imgs) => imgs.map((img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]));
      expect(sizes).toHaveLength(24);
      for (const size of sizes) expect(size).toEqual([28, 28]); // decoded PNGs, not broken images
      expect(Number.parseFloat((await column.locator('dd[data-metric="Fréchet (classifier)"]').textContent())!)).toBeGreaterThan(0);
    }
    // Naive accepts everything with p = 1: nothing to rank, so no strips; DRS ranks its samples.
    expect(await page.locator('[data-testid="column-0"] .extremes').getAttribute('data-informative')).toBe('false');
    expect(await page.locator('[data-testid="column-1"] .strip.high img').count()).toBe(8);
    await page.screenshot({ path: `${OUT}/compare-fashion-mnist.png`, fullPage: true });
    expect(foreign).toEqual([]);
    await page.close();
  });
});
