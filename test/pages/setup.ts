/**
 * Shared set-up of the browser tests: a real server on port 0 with the bundled models (plus the
 * every-type test sampler), a headless Chromium, and pages that record every request leaving the
 * server, every failed response and every page error.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { BUNDLED_MODELS_DIR } from '../../src/models/repository.js';
import { defaultSamplers } from '../../src/graphql/service.js';
import { startServer, type RunningServer } from '../../src/server/standalone.js';
import { launchChromium } from '../helpers/browser.js';
import { createEveryTypeSampler } from './every-type-sampler.js';

export const OUT = 'test-output';

export interface PagesHarness {
  readonly server: RunningServer;
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function startPagesHarness(): Promise<PagesHarness> {
  mkdirSync(OUT, { recursive: true });
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    logger: { info() {}, warn: console.warn, error: console.error },
    sampling: { modelsDir: BUNDLED_MODELS_DIR, pool: { workers: 1, intraOpNumThreads: 2 }, samplers: [...defaultSamplers(), createEveryTypeSampler()] },
  });
  const browser = await launchChromium();
  return {
    server,
    browser,
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

export interface OpenedPage {
  readonly page: Page;
  /** Requests that left the test server, responses ≥ 400 and page errors: must stay empty. */
  readonly problems: string[];
}

/** A page at `path` (not yet navigated when `path` is null); `width` defaults to a desktop. */
export async function openPage(h: PagesHarness, path: string | null, width = 1400): Promise<OpenedPage> {
  const page = await h.browser.newPage({ viewport: { width, height: 1000 }, acceptDownloads: true });
  const problems: string[] = [];
  const origin = new URL(h.server.url).origin;
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith(origin.replace('http', 'ws')) && !url.startsWith('data:') && !url.startsWith('blob:'))
      problems.push(`foreign request: ${url}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  if (path !== null) {
    await page.goto(new URL(path, h.server.url).href);
    await page.waitForSelector('body[data-ready="true"], .graphiql-container', { timeout: 30_000 });
  }
  return { page, problems };
}

/** Waits until `n` columns have ended (finished, stopped or failed). */
export async function waitForColumns(page: Page, n: number, timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    (k) => document.querySelectorAll('.column[data-state="finished"], .column[data-state="stopped"], .column[data-state="failed"]').length === k,
    n,
    { timeout },
  );
}

/** What the page said and heard on its graphql-ws connections. */
export interface StreamLog {
  /** The `input` variable of every `subscribe` the page sent, in order. */
  readonly inputs: Record<string, unknown>[];
  /** The last `next` payload's `data.sampleStream` of each subscription, by the index of its `subscribe`. */
  readonly last: Map<number, Record<string, unknown>>;
}

/**
 * Records the page's graphql-ws traffic (call before the page opens its connection), so a test
 * can compare what the page shows with what the server actually sent.
 */
export function recordStreams(page: Page): StreamLog {
  const log: StreamLog = { inputs: [], last: new Map() };
  const order = new Map<string, number>();
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      const msg = JSON.parse(String(payload)) as { id?: string; type: string; payload?: { variables?: { input?: Record<string, unknown> } } };
      if (msg.type !== 'subscribe' || !msg.id) return;
      order.set(msg.id, log.inputs.length);
      log.inputs.push(msg.payload?.variables?.input ?? {});
    });
    ws.on('framereceived', ({ payload }) => {
      const msg = JSON.parse(String(payload)) as { id?: string; type: string; payload?: { data?: { sampleStream?: Record<string, unknown> } } };
      const stream = msg.payload?.data?.sampleStream;
      const index = msg.id === undefined ? undefined : order.get(msg.id);
      if (msg.type === 'next' && stream && index !== undefined) log.last.set(index, stream);
    });
  });
  return log;
}
