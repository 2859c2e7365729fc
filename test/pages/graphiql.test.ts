/// <reference lib="dom" />
/**
 * The IDE in a real headless Chromium: the Samples panel renders images, 2-D points and a
 * subscription's events; subscriptions go over graphql-ws even when Run is pressed before the
 * editor has parsed the document.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUT, openPage, startPagesHarness, type PagesHarness } from './setup.js';

let h: PagesHarness;
beforeAll(async () => {
  h = await startPagesHarness();
});
afterAll(async () => {
  await h?.close();
});

type EditorElement = HTMLElement & { CodeMirror: { setValue(v: string): void } };

/** Sets the editor's text and presses Run in the same task, before GraphiQL's debounced parse. */
async function setAndRun(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    (document.querySelector('.graphiql-query-editor .CodeMirror') as EditorElement).CodeMirror.setValue(t);
    document.querySelector<HTMLButtonElement>('.graphiql-execute-button')!.click();
  }, text);
}

/** Opens the IDE and waits until it runs operations (it ignores Run until its schema is built). */
async function openIde(): Promise<Awaited<ReturnType<typeof openPage>>> {
  const opened = await openPage(h, '/graphql');
  const { page } = opened;
  await page.waitForSelector('.samples-panel');
  for (let attempt = 0; attempt < 20; attempt++) {
    await setAndRun(page, '{ __typename }');
    const ok = await page
      .waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.includes('"Query"'), null, { timeout: 1500 })
      .then(
        () => true,
        () => false,
      );
    if (ok) return opened;
  }
  throw new Error('GraphiQL never ran { __typename }');
}

describe('GraphiQL', () => {
  it('renders the images of a result in the Samples panel', async () => {
    const { page, problems } = await openIde();
    await setAndRun(
      page,
      'query Images { sample(input: {modelId: "fashion-mnist", sampler: {name: "naive"}, count: 6, seed: 1}) { samples { png acceptanceProbability } stats { accepted proposed } } }',
    );
    await page.waitForSelector('.samples-panel[data-status="done"] .samples-images img');
    const panel = page.locator('.samples-panel');
    expect(await panel.locator('.samples-status').textContent()).toBe('query Images · done · 1 event');
    const sizes = await panel
      .locator('.samples-images img')
      .evaluateAll((imgs) => Promise.all(imgs.map(async (i) => (await (i as HTMLImageElement).decode(), (i as HTMLImageElement).naturalWidth))));
    expect(sizes).toEqual([28, 28, 28, 28, 28, 28]);
    expect(await panel.locator('[data-table="stats"] dd[data-key="accepted"]').textContent()).toBe('6');
    await page.screenshot({ path: `${OUT}/graphiql-images.png` });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a subscription's events as they arrive and plots its 2-D samples", async () => {
    const { page, problems } = await openIde();
    const wsBefore = h.server.sampling.counters.operationCount('ws', 'subscription');
    // Run pressed in the same task as the edit: the editor's parse (and operation name) is stale.
    await setAndRun(
      page,
      'subscription { sampleStream(input: {modelId: "gaussians25", sampler: {name: "naive"}, count: 400, seed: 2, batchSize: 50}) { done samples { values } stats { outputs proposed } metrics { mixture2d { highQualityShare } } } }',
    );
    // (Sent over HTTP, as GraphiQL's own fetcher did here, it came back as an error.)
    await page.waitForFunction(() => /"done": true|"errors"|rror/.test(document.querySelector('.graphiql-response')?.textContent ?? ''), null, {
      timeout: 60_000,
    });
    expect(await page.textContent('.graphiql-response')).toContain('"done": true');
    await page.waitForSelector('.samples-panel[data-status="done"]', { timeout: 10_000 });
    const panel = page.locator('.samples-panel');
    const events = Number(await panel.getAttribute('data-events'));
    expect(events).toBeGreaterThanOrEqual(8); // 400 samples in rounds of 50, one event per round
    expect(await panel.locator('.samples-events li').count()).toBe(Math.min(events, 30));
    expect(await panel.locator('.samples-events li').first().textContent()).toMatch(/outputs 400 · proposed 400$/);
    expect(await panel.locator('canvas.samples-scatter').getAttribute('data-points')).toBe('400');
    expect(await panel.locator('[data-table="stats"] dd[data-key="outputs"]').textContent()).toBe('400');
    expect(Number(await panel.locator('[data-table="metrics"] dd[data-key="mixture2d.highQualityShare"]').textContent())).toBeGreaterThan(0);
    expect(h.server.sampling.counters.operationCount('ws', 'subscription')).toBe(wsBefore + 1);
    await page.screenshot({ path: `${OUT}/graphiql-subscription.png` });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('stops a subscription when Stop is pressed (the panel says stopped, the server run ends)', async () => {
    const { page, problems } = await openIde();
    // p = 1e-4: the stream runs far longer than this test unless stopped.
    await setAndRun(
      page,
      'subscription Slow { sampleStream(input: {modelId: "gaussians25", sampler: {name: "every-type", params: {acceptance: 0.01, every: 100}}, count: 1000, seed: 1}) { done stats { accepted proposed } } }',
    );
    await page.waitForFunction(() => Number(document.querySelector('.samples-panel')?.getAttribute('data-events') ?? 0) >= 1, null, { timeout: 60_000 });
    expect(await page.locator('.samples-panel').getAttribute('data-status')).toBe('running');
    await page.click('.graphiql-execute-button'); // Run turns into Stop while subscribed
    await page.waitForSelector('.samples-panel[data-status="stopped"]');
    await expect.poll(() => h.server.sampling.gateway.activeRuns, { timeout: 10_000 }).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('tells the operation from the document text', async () => {
    const { page, problems } = await openPage(h, '/');
    const documents: [string, string?][] = [
      ['subscription { a }'],
      ['subscription S { a }', 'Models'], // stale name from the editor
      ['# subscription in a comment\nquery Q { a(s: "subscription {") }'],
      ['fragment F on Query { a }\nsubscription S($x: In = {a: 1}) { ...F }'],
      ['query A { a } subscription B { b }', 'B'],
      ['query A { a } subscription B { b }'],
      ['{ a }'],
      ['"""block with } and subscription"""\nquery Q @d { a }'],
    ];
    // A string, so that the test runner does not rewrite the browser's import().
    const cases = await page.evaluate(`import('/_sampler/operation.js').then((m) => ${JSON.stringify(documents)}.map(([q, n]) => m.selectOperation(q, n)))`);
    expect(cases).toEqual([
      { kind: 'subscription', operationName: undefined },
      { kind: 'subscription', operationName: 'S' },
      { kind: 'query', operationName: 'Q' },
      { kind: 'subscription', operationName: 'S' },
      { kind: 'subscription', operationName: 'B' },
      { kind: null, operationName: undefined },
      { kind: 'query', operationName: undefined },
      { kind: 'query', operationName: 'Q' },
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
