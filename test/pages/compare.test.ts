/// <reference lib="dom" />
/**
 * The comparison page in a real headless Chromium against a real server: controls generated from
 * the samplers' declarations, column states, stop, model switch, paging and the lightbox, curves,
 * the share link, downloads, the narrow layout, and each sampler's kind and availability on the
 * chosen model (against a second server that also serves a fixture model without a latent-gradient graph).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODELS_DIR } from '../../src/models/repository.js';
import { defaultSamplers } from '../../src/graphql/service.js';
import { startServer, type RunningServer } from '../../src/server/standalone.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';
import { OUT, openPage, recordStreams, startPagesHarness, waitForColumns, type PagesHarness } from './setup.js';

let h: PagesHarness;
beforeAll(async () => {
  h = await startPagesHarness();
});
afterAll(async () => {
  await h?.close();
});

/** The page region from a column's numbers to the end of its reports (for a screenshot). */
async function reportsClip(page: Page, i: number) {
  const top = (await column(page, i).locator('.numbers').boundingBox())!;
  const bottom = (await column(page, i).locator('.reports').boundingBox())!;
  const scrollY = await page.evaluate(() => window.scrollY); // boxes are in the viewport, a full-page clip in the page
  return { x: top.x - 8, y: top.y + scrollY - 8, width: top.width + 16, height: bottom.y + bottom.height - top.y + 16 };
}
const column = (page: Page, i: number) => page.locator(`[data-testid="column-${i}"]`);
const config = (page: Page, i: number) => page.locator('#configs .config').nth(i);

describe('comparison page', () => {
  it('generates parameter controls from the declarations and flags a bad value before Start', async () => {
    const { page, problems } = await openPage(h, '/?model=gaussians25&s=naive&s=every-type');
    const panel = config(page, 1);
    // float: a number input with the declared bounds, the default as placeholder and the description as help.
    const acceptance = panel.locator('[data-param="acceptance"] input');
    expect(await acceptance.getAttribute('type')).toBe('number');
    expect(await acceptance.getAttribute('min')).toBe('0.01');
    expect(await acceptance.getAttribute('max')).toBe('1');
    expect(await acceptance.getAttribute('step')).toBe('any');
    expect(await acceptance.getAttribute('placeholder')).toBe('default 0.5');
    expect(await panel.locator('[data-param="acceptance"] .help').textContent()).toBe('The acceptance probability of every eligible proposal.');
    // int: step 1; boolean: a checkbox, unchecked (its default).
    expect(await panel.locator('[data-param="every"] input').getAttribute('step')).toBe('1');
    const byLogit = panel.locator('[data-param="byLogit"] input');
    expect(await byLogit.getAttribute('type')).toBe('checkbox');
    expect(await byLogit.isChecked()).toBe(false);
    // enum: a select of the declared values, "not given" first (the server applies the default it names).
    const countFrom = panel.locator('[data-param="countFrom"] select');
    expect(await countFrom.locator('option').allTextContents()).toEqual(['default (start)', 'start', 'end']);
    expect(await countFrom.inputValue()).toBe('');
    expect(await panel.locator('[data-param="countFrom"] .help').textContent()).toBe(
      'Count the every-n-th eligible proposals from the start or from the end of each batch.',
    );

    // Out of range: flagged on the control as typed, and Start refuses, naming it.
    await acceptance.fill('1.5');
    expect(await panel.locator('[data-param="acceptance"] .param-error').textContent()).toBe('must be ≤ 1');
    expect(await acceptance.getAttribute('aria-invalid')).toBe('true');
    await panel.locator('[data-param="every"] input').fill('2.5');
    expect(await panel.locator('[data-param="every"] .param-error').textContent()).toBe('must be a whole number');
    await page.click('#start');
    expect(await page.textContent('#status')).toBe('column 2 (every-type): acceptance must be ≤ 1');
    expect(await page.locator('.column').count()).toBe(0);
    await page.screenshot({ path: `${OUT}/compare-controls-invalid.png` });

    // Fixed: the run starts with exactly the values set (the header names them) and finishes.
    await acceptance.fill('0.25');
    await panel.locator('[data-param="every"] input').fill('2');
    await byLogit.check();
    await countFrom.selectOption('end');
    expect(await panel.locator('.param.invalid').count()).toBe(0);
    await page.fill('#count', '300');
    const streams = recordStreams(page);
    await page.click('#start');
    await waitForColumns(page, 2);
    expect(await column(page, 1).locator('h2').textContent()).toBe('every-type acceptance=0.25 every=2 byLogit=true countFrom=end');
    // The enum value went to the server as the string it declared, and the server ran it.
    expect(streams.inputs[1]!.sampler).toEqual({ name: 'every-type', params: { acceptance: 0.25, every: 2, byLogit: true, countFrom: 'end' } });
    expect(await column(page, 1).getAttribute('data-state')).toBe('finished');
    // p = 0.25·σ(logit) on every second proposal: the acceptance rate is below 12.5 %.
    const rate = parseFloat((await column(page, 1).locator('dd[data-metric="acceptance rate"]').textContent())!);
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThan(12.5);

    // The JSON view carries the values over, and back; a bad JSON value is flagged too.
    await panel.locator('.json-toggle').click();
    const json = panel.locator('textarea.params-json');
    expect(JSON.parse(await json.inputValue())).toEqual({ acceptance: 0.25, every: 2, byLogit: true, countFrom: 'end' });
    await json.fill('{"acceptance": 0.5, "every": 0}');
    await page.click('#start');
    expect(await page.textContent('#status')).toBe('column 2 (every-type): every must be ≥ 1');
    await json.fill('{"countFrom": "middle"}');
    await page.click('#start');
    expect(await page.textContent('#status')).toBe('column 2 (every-type): countFrom must be one of start, end');
    await json.fill('{"acceptance": 0.5, "every": 3, "countFrom": "start"}');
    await panel.locator('.json-toggle').click();
    expect(await panel.locator('[data-param="every"] input').inputValue()).toBe('3');
    expect(await countFrom.inputValue()).toBe('start');
    expect(await byLogit.isChecked()).toBe(false);
    // The URL carries the enum value, and a link with it opens with it selected.
    expect(page.url()).toContain('&s=every-type:acceptance=0.5,every=3,countFrom=start');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows each column\'s state and timing, says "stopped" after Stop, and clears stale results on a model switch', async () => {
    // every-type at p = 1e-4 cannot reach 2000 samples within the proposal budget: it runs until stopped.
    const { page, problems } = await openPage(h, '/?model=gaussians25&count=2000&seed=3&s=naive&s=every-type:acceptance=0.01,every=100');
    await page.click('#start');
    expect(await column(page, 1).getAttribute('data-state')).toBe('running');
    await page.waitForFunction(() => document.querySelector('[data-testid="column-0"]')?.getAttribute('data-state') === 'finished', null, { timeout: 60_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="column-1"]')?.getAttribute('data-proposed') ?? 0) > 0, null, {
      timeout: 60_000,
    });
    expect(await column(page, 1).getAttribute('data-state')).toBe('running');
    expect(await column(page, 0).locator('.timing').textContent()).toMatch(/^\d+\.\d s · [\d,]+ samples\/s$/);
    await page.click('#stop');
    expect(await column(page, 1).getAttribute('data-state')).toBe('stopped');
    expect(await column(page, 1).locator('.state').textContent()).toBe('stopped');
    expect(await column(page, 0).getAttribute('data-state')).toBe('finished'); // an ended column keeps its state
    // The clock stops with the column, and the server's run ends too.
    const elapsed = await column(page, 1).getAttribute('data-elapsed');
    await page.waitForTimeout(600);
    expect(await column(page, 1).getAttribute('data-elapsed')).toBe(elapsed);
    await expect.poll(() => h.server.sampling.gateway.activeRuns, { timeout: 10_000 }).toBe(0);
    expect(await page.textContent('#status')).toBe('stopped');
    await page.screenshot({ path: `${OUT}/compare-stopped.png` });

    // Switching the model clears the previous model's columns and picks that model's default count.
    await page.selectOption('#model', 'fashion-mnist');
    expect(await page.locator('.column').count()).toBe(0);
    expect(await page.inputValue('#count')).toBe('256');
    expect(problems).toEqual([]);
    await page.close();
  });

  it("marks a column failed with the server's error on the parameter's control", async () => {
    const { page, problems } = await openPage(h, '/?model=gaussians25&count=50&s=naive&s=drs:gamma=0,gammaPercentile=90');
    await page.click('#start');
    await waitForColumns(page, 2);
    expect(await column(page, 1).getAttribute('data-state')).toBe('failed');
    expect(await column(page, 1).locator('.error').textContent()).toMatch(/gamma.*gammaPercentile|gammaPercentile.*gamma/);
    expect(await config(page, 1).locator('.param.invalid').count()).toBeGreaterThan(0);
    expect(await column(page, 0).getAttribute('data-state')).toBe('finished');
    expect(await page.textContent('#status')).toBe('1 of 2 columns failed');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('pages through every image, opens one large with its logit and p, and downloads CSV and PNG', async () => {
    const { page, problems } = await openPage(h, '/?model=fashion-mnist&count=100&seed=5&s=naive&s=drs:burnInSamples=1000,gammaPercentile=80');
    const streams = recordStreams(page);
    await page.click('#start');
    await waitForColumns(page, 2);
    const images = column(page, 1);
    expect(await images.getAttribute('data-state')).toBe('finished');
    expect(await images.locator('.grid img').count()).toBe(64);
    expect(await images.locator('.pager .range').textContent()).toBe('1–64 of 100');
    await images.locator('.pager .next').click();
    expect(await images.locator('.pager .range').textContent()).toBe('65–100 of 100');
    const sizes = await images.locator('.grid img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(sizes).toEqual(new Array(36).fill(28)); // decoded PNGs, not broken images
    expect(await images.locator('.pager .next').isDisabled()).toBe(true);

    // The lightbox: sample 66 large, with the logit and p the CSV has for it; arrows step.
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), images.locator('.actions .csv').click()]);
    const csv = readFileSync(await csvDownload.path(), 'utf8')
      .trim()
      .split('\n');
    expect(csv).toHaveLength(101);
    expect(csv[0]!.split(',').slice(0, 4)).toEqual(['index', 'logit', 'acceptance_probability', 'v0']);
    expect(csv[0]!.split(',')).toHaveLength(3 + 28 * 28);
    await images.locator('.grid img').nth(1).click();
    const box = page.locator('dialog#lightbox');
    expect(await box.isVisible()).toBe(true);
    expect(await box.locator('.lightbox-title').textContent()).toContain('sample 66 of 100');
    const row66 = csv[66]!.split(',');
    expect(Number(await box.locator('[data-fact="logit"]').textContent())).toBeCloseTo(Number(row66[1]), 4);
    expect(Number(await box.locator('[data-fact="p"]').textContent())).toBeCloseTo(Number(row66[2]), 4);
    expect(await box.locator('img').evaluate((i: HTMLImageElement) => i.getBoundingClientRect().width)).toBeGreaterThan(200);
    await page.screenshot({ path: `${OUT}/compare-lightbox.png` });
    await page.keyboard.press('ArrowRight');
    expect(await box.locator('.lightbox-title').textContent()).toContain('sample 67 of 100');
    await page.keyboard.press('Escape');
    expect(await box.isVisible()).toBe(false);

    // PNG: a montage of all 100 images (10 × 10 tiles of 28 px, 1 px apart).
    const [pngDownload] = await Promise.all([page.waitForEvent('download'), images.locator('.actions .png').click()]);
    const png = readFileSync(await pngDownload.path());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([10 * 29 + 1, 10 * 29 + 1]);

    // The class the classifier sees most, from the histogram the server sent.
    const { classHistogram, classes } = (streams.last.get(1) as { metrics: { image: { classHistogram: number[]; classes: string[] } } }).metrics.image;
    const top = classHistogram.indexOf(Math.max(...classHistogram));
    expect(classHistogram.reduce((a, b) => a + b, 0)).toBe(100);
    expect(await images.locator('dd[data-metric="top class"]').textContent()).toBe(`${classes[top]} (${classHistogram[top]!.toFixed(1)} %)`);
    // No modes on an image model; the DRS column reads D uncalibrated (its default), marked in the model's report.
    expect(await images.locator('.modes, dd[data-metric="mode JSD"]').count()).toBe(0);
    expect(await images.locator('table.calibration tr[aria-current="true"]').getAttribute('data-method')).toBe('none');
    // Extremes: hidden for naive (every p = 1), shown for the sampler whose p varies.
    expect(await column(page, 0).locator('.extremes').getAttribute('data-informative')).toBe('false');
    expect(await column(page, 0).locator('.extremes-note').textContent()).toBe('All 100 samples were accepted with p = 1.000: there is nothing to rank.');
    expect(await column(page, 0).locator('.strip.high').isVisible()).toBe(false);
    expect(await images.locator('.strip.high img').count()).toBe(8);
    // Curves: acceptance and Fréchet distance against proposals, one point per event.
    for (const chart of ['acceptance', 'quality'])
      expect(Number(await images.locator(`[data-chart="${chart}"]`).getAttribute('data-points'))).toBeGreaterThan(0);
    await page.screenshot({ path: `${OUT}/compare-fashion-mnist-pages.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws curves and marks the extremes on the plot; the share link reproduces the comparison', async () => {
    const { page, problems } = await openPage(h, '/?model=gaussians25');
    await page.fill('#count', '800');
    await page.fill('#seed', '7');
    await config(page, 1).locator('[data-param="gamma"] input').fill('0');
    await config(page, 2).locator('[data-param="gamma"] input').fill('');
    await config(page, 2).locator('[data-param="gammaPercentile"] input').fill('80');
    await config(page, 2).locator('[data-param="burnInSamples"] input').fill('5000');
    const href = (await page.getAttribute('#share', 'href'))!;
    expect(href).toBe(
      new URL('/?model=gaussians25&count=800&seed=7&s=naive&s=drs:gamma=0&s=drs:burnInSamples=5000,gammaPercentile=80&run=1', h.server.url).href,
    );
    await page.click('#start');
    await waitForColumns(page, 3);
    const drs = column(page, 1);
    expect(await drs.getAttribute('data-state')).toBe('finished');
    // Curves: one point per event, drawn (the canvas has ink of the line colour).
    for (const chart of ['acceptance', 'quality']) {
      const c = drs.locator(`[data-chart="${chart}"]`);
      expect(Number(await c.getAttribute('data-points'))).toBeGreaterThan(1);
      const ink = await c.locator('canvas').evaluate((cv: HTMLCanvasElement) => {
        const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 2]! > 120 && d[i]! < 80 && d[i + 3]! > 0) n++;
        return n;
      });
      expect(ink).toBeGreaterThan(20);
    }
    expect(await drs.locator('[data-chart="quality"] figcaption').textContent()).toMatch(/^high-quality share: \d+\.\d %$/);
    // Extremes: readable coordinates, not cut off; marked on the plot in green and orange.
    const items = drs.locator('.strip.high span');
    expect(await items.count()).toBe(8);
    expect(await items.first().locator('b').textContent()).toMatch(/^\(−?\d+\.\d\d, −?\d+\.\d\d\)$/);
    const clipped = await drs.locator('.strip span').evaluateAll((spans) => spans.filter((s) => s.scrollWidth > s.clientWidth + 1).length);
    expect(clipped).toBe(0);
    const marks = await drs.locator('canvas.marks').evaluate((cv: HTMLCanvasElement) => {
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      let green = 0;
      let orange = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3]! < 128) continue;
        if (d[i + 1]! > 100 && d[i]! < 60) green++;
        if (d[i]! > 180 && d[i + 1]! < 120) orange++;
      }
      return { green, orange };
    });
    expect(marks.green).toBeGreaterThan(50);
    expect(marks.orange).toBeGreaterThan(50);
    await page.screenshot({ path: `${OUT}/compare-gaussians25-curves.png`, fullPage: true });
    const csvOf = async (p: Page, i: number) => {
      const [d] = await Promise.all([p.waitForEvent('download'), column(p, i).locator('.actions .csv').click()]);
      return readFileSync(await d.path(), 'utf8');
    };
    const first = [await csvOf(page, 1), await csvOf(page, 2)];
    expect(first[0]!.split('\n')[0]).toBe('index,logit,acceptance_probability,x,y');

    // The link opens the same comparison and runs it: the same samples, to the last digit.
    const again = await openPage(h, href);
    await waitForColumns(again.page, 3);
    expect(await again.page.inputValue('#count')).toBe('800');
    expect(await again.page.inputValue('#seed')).toBe('7');
    expect(await config(again.page, 2).locator('[data-param="gammaPercentile"] input').inputValue()).toBe('80');
    expect([await csvOf(again.page, 1), await csvOf(again.page, 2)]).toEqual(first);
    expect(again.problems).toEqual([]);
    await again.page.close();
    // The address bar follows the controls too (without auto-run).
    expect(page.url()).toBe(href.replace('&run=1', ''));
    const [png] = await Promise.all([page.waitForEvent('download'), column(page, 1).locator('.actions .png').click()]);
    const bytes = readFileSync(await png.path());
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([400, 400]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows each column's outputs, mode coverage and JSD, samples per mode and D's calibration report, as the server sent them", async () => {
    const { page, problems } = await openPage(
      h,
      '/?model=gaussians25&count=400&seed=4&s=naive&s=mh:chainLength=20,calibration=platt&s=drs:gamma=0,calibration=isotonic&s=threshold:percentile=50',
    );
    const streams = recordStreams(page);
    await page.click('#start');
    await waitForColumns(page, 4);
    const sent = (i: number) => {
      const last = streams.last.get(i) as {
        done: boolean;
        stats: Record<string, number>;
        metrics: { mixture2d: Record<string, number> & { perMode: number[] } };
      };
      expect(last.done).toBe(true);
      return last;
    };
    const shown = (i: number, metric: string) => column(page, i).locator(`dd[data-metric="${metric}"]`).textContent();
    for (let i = 0; i < 4; i++) {
      expect(await column(page, i).getAttribute('data-state')).toBe('finished');
      const { stats, metrics } = sent(i);
      expect(stats.outputs).toBe(400);
      expect(await shown(i, 'outputs')).toBe(`${stats.outputs} / 400`);
      expect(await shown(i, 'distinct outputs')).toBe(stats.distinctOutputs!.toLocaleString('en'));
      expect(await shown(i, 'proposed')).toBe(stats.proposed!.toLocaleString('en'));
      expect(await shown(i, 'proposals / output')).toBe(stats.proposalsPerOutput!.toFixed(2));
      const x = metrics.mixture2d;
      expect(await shown(i, 'mode coverage')).toBe(`${x.recoveredModes} / ${x.modeCount}`);
      expect(await shown(i, 'mode JSD')).toBe(x.modeJSD!.toFixed(4));
      // Samples per mode: a table with one row per mode centre, the counts the server sent.
      const modes = column(page, i).getByRole('table', { name: /^High-quality samples per mode/ });
      await column(page, i).locator('details.modes summary').click();
      expect(await column(page, i).locator('details.modes summary').textContent()).toBe(`samples per mode: ${x.recoveredModes} of ${x.modeCount} recovered`);
      expect(await modes.locator('thead th[scope="col"]').allTextContents()).toEqual(['mode', 'centre', 'samples', 'share']);
      expect(await modes.locator('tbody tr td:nth-of-type(2)').allTextContents()).toEqual(x.perMode.map((n) => n.toLocaleString('en')));
    }
    // Naive outputs every proposal once; an MH chain may output the same state again (never more distinct than outputs).
    expect(sent(0).stats.distinctOutputs).toBe(400);
    expect(sent(1).stats.distinctOutputs).toBeLessThanOrEqual(400);
    // The threshold's τ (its samplerDetails) is shown under the name the server gave it.
    expect(await shown(3, 'logitThreshold')).toBe((sent(3).stats.samplerDetails as unknown as { logitThreshold: number }).logitThreshold.toFixed(3));
    expect(await shown(1, 'chainLength')).toBe('20'); // whole numbers without decimals
    // Modes differ between samplers, so the numbers are each column's own (not one column's copied).
    expect(new Set([0, 1, 2, 3].map((i) => JSON.stringify(sent(i).metrics.mixture2d.perMode))).size).toBeGreaterThan(1);

    // Calibration: the model's reports (asked for here over HTTP), the column's method marked; naive reads no D, so it has none.
    const res = await fetch(new URL('/graphql', h.server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ model(id: "gaussians25") { calibration { method count zBefore zAfter eceBefore eceAfter } } }' }),
    });
    const reports = (
      (await res.json()) as {
        data: { model: { calibration: { method: string; count: number; zBefore: number; zAfter: number; eceBefore: number; eceAfter: number }[] } };
      }
    ).data.model.calibration;
    expect(reports.map((r) => r.method)).toEqual(['platt', 'isotonic']);
    expect(await column(page, 0).locator('table.calibration').count()).toBe(0);
    const expected = [
      ['none', reports[0]!.zBefore.toFixed(2), reports[0]!.eceBefore.toFixed(4)],
      ...reports.map((r) => [r.method, r.zAfter.toFixed(2), r.eceAfter.toFixed(4)]),
    ];
    for (const [i, method] of [
      [1, 'platt'],
      [2, 'isotonic'],
      [3, 'none'],
    ] as const) {
      const table = column(page, i).getByRole('table', {
        name: `Calibration of D on ${reports[0]!.count.toLocaleString('en')} held-out real samples (half fit, half judge)`,
      });
      expect(await table.locator('thead th[scope="col"]').allTextContents()).toEqual(['method', 'Z', 'ECE']);
      const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      expect(rows).toEqual(expected.map(([m, z, ece]) => [m === method ? `${m} (this column)` : m, z, ece]));
      expect(await table.locator('tr[aria-current="true"]').getAttribute('data-method')).toBe(method);
    }
    await page.screenshot({ path: `${OUT}/compare-reports.png`, fullPage: true });
    await page.screenshot({ path: `${OUT}/compare-reports-mh.png`, fullPage: true, clip: await reportsClip(page, 1) });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('offers the classes of a class-conditional model, samples the class picked, and the link keeps it', async () => {
    const res = await fetch(new URL('/graphql', h.server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ model(id: "fashion-mnist-cond") { classLabels calibration { method classLabel count zBefore zAfter eceBefore eceAfter } } }',
      }),
    });
    const model = (
      (await res.json()) as { data: { model: { classLabels: string[]; calibration: { method: string; classLabel: number; count: number; zAfter: number }[] } } }
    ).data.model;
    expect(model.classLabels).toHaveLength(10);

    // An unconditional model has no picker.
    const { page, problems } = await openPage(h, '/?model=fashion-mnist&count=48&seed=2&s=naive&s=drs:burnInSamples=1000,gammaPercentile=80');
    expect(await page.locator('#class-field').isVisible()).toBe(false);
    await page.selectOption('#model', 'fashion-mnist-cond');
    expect(await page.locator('#class-field').isVisible()).toBe(true);
    const picker = page.locator('#class-label');
    expect(await picker.evaluate((select: HTMLSelectElement) => select.labels[0]?.id)).toBe('class-field'); // labelled "Class"
    expect(await picker.locator('option').allTextContents()).toEqual(model.classLabels.map((l, i) => `${i}: ${l}`));
    expect(await picker.inputValue()).toBe('0'); // a conditional model needs a class: the first by default
    await picker.selectOption('3');
    await page.fill('#count', '48');
    const streams = recordStreams(page);
    await page.click('#start');
    await waitForColumns(page, 2);
    // Both columns asked the server for class 3 and say so.
    expect(streams.inputs.map((i) => i.classLabel)).toEqual([3, 3]);
    const label = model.classLabels[3]!;
    expect(await column(page, 0).locator('h2').textContent()).toBe(`naive · class ${label}`);
    for (const i of [0, 1]) {
      expect(await column(page, i).getAttribute('data-state')).toBe('finished');
      // The classifier sees mostly the class asked for (seeded; class accuracy ≈ 0.86 on this model).
      const { classHistogram, classes } = (streams.last.get(i) as { metrics: { image: { classHistogram: number[]; classes: string[] } } }).metrics.image;
      expect(classes[classHistogram.indexOf(Math.max(...classHistogram))]).toBe(label);
      expect(await column(page, i).locator('dd[data-metric="top class"]').textContent()).toMatch(new RegExp(`^${label} \\(\\d+\\.\\d %\\)$`));
      const { classAccuracy } = (streams.last.get(i) as { metrics: { image: { classAccuracy: number } } }).metrics.image;
      expect(await column(page, i).locator('dd[data-metric="class accuracy"]').textContent()).toBe(`${(100 * classAccuracy).toFixed(1)} %`);
    }
    // The DRS column's calibration report is that class's.
    const mine = model.calibration.filter((r) => r.classLabel === 3);
    const table = column(page, 1).locator('table.calibration');
    expect(await table.locator('caption').textContent()).toContain(`${mine[0]!.count.toLocaleString('en')} held-out real samples of class ${label}`);
    expect(await table.locator('tr[data-method="platt"] td').first().textContent()).toBe(mine.find((r) => r.method === 'platt')!.zAfter.toFixed(2));

    await page.screenshot({ path: `${OUT}/compare-class.png` });
    // The link carries the class; opening it picks it and runs it.
    const href = (await page.getAttribute('#share', 'href'))!;
    expect(href).toContain('&class=3&');
    const again = await openPage(h, null);
    const againStreams = recordStreams(again.page);
    await again.page.goto(href);
    await waitForColumns(again.page, 2);
    expect(await again.page.inputValue('#class-label')).toBe('3');
    expect(againStreams.inputs.map((i) => i.classLabel)).toEqual([3, 3]);
    expect(again.problems).toEqual([]);
    await again.page.close();
    // A class the model does not have is refused from the link, named.
    const bad = await openPage(h, '/?model=fashion-mnist-cond&class=12&s=naive&s=naive');
    expect(await bad.page.textContent('#status')).toBe('ignored from the link: class=12 is not a class of fashion-mnist-cond (0–9)');
    expect(await bad.page.inputValue('#class-label')).toBe('0');
    await bad.page.close();
    // Back to an unconditional model: the picker goes, and nothing sends a class.
    await page.selectOption('#model', 'gaussians25');
    expect(await page.locator('#class-field').isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('fits a 420 px wide screen without horizontal overflow', async () => {
    const { page, problems } = await openPage(h, '/?model=gaussians25&count=300&s=naive&s=drs:gamma=0&s=threshold:percentile=50', 420);
    await page.click('#start');
    await waitForColumns(page, 3);
    for (const summary of await page.locator('details.modes summary').all()) await summary.click(); // the per-mode tables open
    expect(await page.locator('.calibration').count()).toBe(2); // drs and threshold read D
    const overflow = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth - window.innerWidth,
      cut: [...document.querySelectorAll('.numbers dd, .numbers dt, .timing, .column h2, .strip span, .reports th, .reports td')]
        .filter((e) => e.scrollWidth > e.clientWidth + 1)
        .map((e) => e.textContent),
      wide: [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => e.tagName + '.' + e.className),
    }));
    expect(overflow).toEqual({ page: 0, cut: [], wide: [] });
    await page.screenshot({ path: `${OUT}/compare-narrow.png` });
    await column(page, 1).screenshot({ path: `${OUT}/compare-narrow-column.png` });
    // The class-conditional model (long title, a class picker) fits too.
    await page.selectOption('#model', 'fashion-mnist-cond');
    expect(await page.locator('#class-field').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('has a favicon', async () => {
    const res = await fetch(new URL('/_sampler/favicon.svg', h.server.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const { page, problems } = await openPage(h, '/');
    expect(await page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href)).toMatch(/\/_sampler\/favicon\.svg$/);
    expect(problems).toEqual([]); // no 404 for /favicon.ico either
    await page.close();
  });

  it('lists every sampler the server has (DDLS and DOT included) with a control for each declared parameter', async () => {
    const res = await fetch(new URL('/graphql', h.server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ samplers { name parameters { name } } }' }),
    });
    const samplers = ((await res.json()) as { data: { samplers: { name: string; parameters: { name: string }[] }[] } }).data.samplers;
    expect(samplers.map((x) => x.name)).toEqual(expect.arrayContaining(['ddls', 'dot']));
    const { page, problems } = await openPage(h, '/?model=gaussians25&s=naive&s=naive');
    expect(await config(page, 1).locator('select.sampler option').allTextContents()).toEqual(samplers.map((x) => x.name));
    for (const sampler of samplers) {
      await config(page, 1).locator('select.sampler').selectOption(sampler.name);
      const shown = await config(page, 1)
        .locator('.param')
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.param));
      expect(shown).toEqual(sampler.parameters.map((x) => x.name));
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders a parameter of a type it does not know as a text input, and the server judges it', async () => {
    // No sampler on this server can declare such a type (the contract has four): feed the generator one, as a newer server would send it.
    const { page, problems } = await openPage(h, '/');
    const result = await page.evaluate(`import('/_sampler/controls.js').then((c) => {
      const sampler = { name: 'future', parameters: [{ name: 'schedule', type: 'DURATION', default: 'PT1S', min: null, max: null, description: 'A newer type.' }] };
      const panel = c.createParamPanel(sampler, { schedule: 'PT5S' });
      document.body.append(panel.el);
      const input = panel.el.querySelector('[data-param="schedule"] input');
      const out = { type: input.type, value: input.value, placeholder: input.placeholder, hint: panel.el.querySelector('.param-range').textContent, read: panel.read() };
      input.value = '';
      out.unset = panel.read();
      return out;
    })`);
    expect(result).toEqual({
      type: 'text',
      value: 'PT5S',
      placeholder: 'default "PT1S"',
      hint: 'duration',
      read: { params: { schedule: 'PT5S' }, problems: [] },
      unset: { params: {}, problems: [] },
    });
    expect(problems).toEqual([]);
    await page.close();
  });
});

/**
 * Sampler availability needs a model without a latent-gradient graph: every bundled model ships
 * one, so this server serves gaussians25 (with the graph) next to the test fixture
 * uniform-gaussian-1d (without), copied into one temporary models folder.
 */
describe('comparison page: sampler kind and availability', () => {
  let dir: string;
  let server: RunningServer;
  let mixed: PagesHarness;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pagekind-models-'));
    cpSync(join(BUNDLED_MODELS_DIR, 'gaussians25'), join(dir, 'gaussians25'), { recursive: true });
    cpSync(join(FIXTURE_MODELS_DIR, 'uniform-gaussian-1d'), join(dir, 'uniform-gaussian-1d'), { recursive: true });
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      logger: { info() {}, warn: console.warn, error: console.error },
      sampling: { modelsDir: dir, pool: { workers: 1, intraOpNumThreads: 2 }, samplers: defaultSamplers() },
    });
    mixed = { server, browser: h.browser, close: async () => {} };
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  type Info = { name: string; kind: string; available: boolean; unavailableReason: string | null };
  async function modelSamplers(id: string): Promise<Info[]> {
    const res = await fetch(new URL('/graphql', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ model(id: "${id}") { samplers { name kind available unavailableReason } } }` }),
    });
    return ((await res.json()) as { data: { model: { samplers: Info[] } } }).data.model.samplers;
  }

  it("tags latent samplers and marks the ones the chosen model cannot run, with the server's reason, following the model", async () => {
    // The server's own view: ddls is latent and cannot run on the fixture model; on gaussians25 every sampler can.
    const fixture = await modelSamplers('uniform-gaussian-1d');
    const ddls = fixture.find((x) => x.name === 'ddls')!;
    expect(ddls).toMatchObject({ kind: 'LATENT', available: false });
    expect(ddls.unavailableReason).toContain('ships no latent-gradient graph');
    const unavailableOnFixture = fixture.filter((x) => !x.available).map((x) => x.name);
    expect(unavailableOnFixture).toEqual(expect.arrayContaining(['ddls', 'dot']));
    expect((await modelSamplers('gaussians25')).filter((x) => !x.available)).toEqual([]);

    const { page, problems } = await openPage(mixed, '/?model=gaussians25&count=50&s=naive&s=ddls');
    const row = config(page, 1);
    const select = row.locator('select.sampler');
    const note = row.locator('.sampler-unavailable');
    // Kind tags: ddls is latent, naive round.
    expect(await row.locator('.sampler-kind').textContent()).toBe('latent');
    expect(await config(page, 0).locator('.sampler-kind').textContent()).toBe('round');
    // On gaussians25 ddls is available: an enabled option, no note, nothing described.
    expect(await select.locator('option:disabled').count()).toBe(0);
    expect(await note.isHidden()).toBe(true);
    expect(await select.getAttribute('aria-describedby')).toBeNull();

    // The fixture model: every sampler the server calls unavailable is a disabled option, and the
    // selected ddls says why, in the server's words, tied to the select for assistive technology.
    await page.selectOption('#model', 'uniform-gaussian-1d');
    const disabled = await select.locator('option:disabled').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(disabled.sort()).toEqual([...unavailableOnFixture].sort());
    expect(await select.locator('option[value="ddls"]').textContent()).toBe('ddls (unavailable on this model)');
    expect(await select.locator('option[value="ddls"]').getAttribute('title')).toBe(ddls.unavailableReason);
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toBe(`Not available on this model: ${ddls.unavailableReason}`);
    expect(await select.getAttribute('aria-describedby')).toBe(await note.getAttribute('id'));
    expect(await select.getAttribute('aria-invalid')).toBe('true');
    expect(await config(page, 0).locator('.sampler-unavailable').isHidden()).toBe(true); // naive runs anywhere
    await page.screenshot({ path: `${OUT}/compare-sampler-unavailable.png` });
    // Start refuses before asking the server, naming the column and the reason.
    await page.click('#start');
    expect(await page.textContent('#status')).toBe(`column 2 (ddls) cannot run on uniform-gaussian-1d: ${ddls.unavailableReason}`);
    expect(await page.locator('.column').count()).toBe(0);

    // Back on gaussians25 the marks go away and the ddls column runs.
    await page.selectOption('#model', 'gaussians25');
    expect(await select.locator('option:disabled').count()).toBe(0);
    expect(await select.locator('option[value="ddls"]').textContent()).toBe('ddls');
    expect(await note.isHidden()).toBe(true);
    await page.fill('#count', '50');
    await page.click('#start');
    await waitForColumns(page, 2);
    expect(await column(page, 1).getAttribute('data-state')).toBe('finished');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('works against a server without SamplerInfo.kind and Model.samplers: no marks, and the server reports SAMPLER_UNAVAILABLE', async () => {
    // A server a version behind: its introspection answer lacks both fields (the page then must not select them).
    const { page, problems } = await openPage(mixed, null);
    const sent: string[] = [];
    await page.route('**/graphql', async (route) => {
      const body = route.request().postData() ?? '';
      sent.push(body);
      if (!body.includes('__type(name: \\"SamplerInfo\\")')) return route.continue();
      const response = await route.fetch();
      const json = (await response.json()) as { data: Record<string, { fields: { name: string }[] } | null> };
      json.data.o_SamplerInfo!.fields = json.data.o_SamplerInfo!.fields.filter((f) => f.name !== 'kind');
      json.data.o_Model!.fields = json.data.o_Model!.fields.filter((f) => f.name !== 'samplers');
      return route.fulfill({ response, json });
    });
    await page.goto(new URL('/?model=uniform-gaussian-1d&count=20&s=naive&s=ddls', server.url).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    expect(sent.some((b) => b.includes('__type(name: \\"SamplerInfo\\")'))).toBe(true); // the stripped answer was the one the page read
    const catalogQuery = sent.find((b) => b.includes('models {'))!;
    expect(catalogQuery).not.toMatch(/unavailableReason|\bkind\b/);
    const row = config(page, 1);
    expect(await row.locator('.sampler-kind').isHidden()).toBe(true);
    expect(await row.locator('select.sampler option:disabled').count()).toBe(0);
    expect(await row.locator('.sampler-unavailable').isHidden()).toBe(true);
    // As before these fields existed: the column fails with the server's error.
    await page.click('#start');
    await waitForColumns(page, 2);
    expect(await column(page, 1).getAttribute('data-state')).toBe('failed');
    expect(await column(page, 1).getAttribute('data-error')).toContain('ships no latent-gradient graph');
    expect(await column(page, 0).getAttribute('data-state')).toBe('finished');
    expect(problems).toEqual([]);
    await page.close();
  });
});
