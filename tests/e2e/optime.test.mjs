// "Where the time goes" on the result cards: after "Run all events" (?budget=1), each of the three
// cards shows the per-op view, and it lists every op the engine reported for the entry and the
// baseline, in the engine's order, with the entry's kernel variant and the engine's figures; entries
// without per-op times (a custom WebAssembly kernel) say why. Screenshots of the view for each event
// at 1440 px and one at 375 px land in test-results/optime-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, shotPath, DESKTOP, PHONE } from './harness.mjs';

const EVENTS = ['mlp_sprint', 'cnn_marathon', 'transformer_decathlon'];
let env, page, problems, results;

before(async () => { env = await start(); });
after(async () => { await env?.stop(); });

/** What a card's view shows: chart rows and table rows (op, figures, variant), and its caption. */
const viewOf = (event) => page.evaluate((ev) => {
  const card = document.querySelector(`#cards .card.result[data-event="${ev}"]`);
  const v = card?.querySelector('details.optime');
  if (!v) return null;
  const svg = v.querySelector('svg.optime-chart');
  return {
    state: v.dataset.optime,
    open: v.open,
    caption: v.querySelector('figcaption')?.textContent ?? '',
    legend: v.querySelector('.optime-legend')?.textContent ?? '',
    label: svg?.getAttribute('aria-label') ?? '',
    chartOps: [...v.querySelectorAll('svg g.op-row')].map((g) => g.dataset.op),
    bars: [...v.querySelectorAll('svg g.op-row')].map((g) => ({ cand: g.querySelectorAll('rect.op-bar.cand').length, base: g.querySelectorAll('rect.op-bar.base').length })),
    variants: [...v.querySelectorAll('svg g.op-row')].map((g) => g.querySelector('text.op-variant title')?.textContent ?? ''),
    table: [...v.querySelectorAll('table.optime-table tbody tr')].map((tr) => ({
      op: tr.dataset.op,
      cells: [...tr.querySelectorAll('td')].map((td) => ({ fig: td.querySelector('.optime-fig')?.textContent ?? td.textContent, variant: td.querySelector('.optime-variant')?.textContent ?? '' })),
    })),
  };
}, event);

// The view's formatting of a figure (www/charts.js fmtMs on 3 significant digits, and the share), to compare text.
const fmt = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toPrecision(3)} ms` : ms >= 0.001 ? `${(ms * 1000).toPrecision(3)} µs` : `${(ms * 1e6).toPrecision(3)} ns`);
const fmtMs = (ms) => fmt(ms < 1 ? Number(ms.toPrecision(3)) : ms);
const pct = (s) => `${(s * 100).toFixed(s > 0 && s < 0.095 ? 1 : 0)}%`;

test('run all events: every card shows where the time goes, op by op, for the entry and the baseline', { timeout: 600_000 }, async () => {
  ({ page, problems } = await open(env.context, `${env.url}?budget=1`, DESKTOP));
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
  await page.click('#run-all');
  await page.waitForSelector('body[data-run="done"], body[data-run="error"]', { timeout: 580_000 });
  assert.equal(await page.getAttribute('body', 'data-run'), 'done', await page.textContent('#cards'));
  results = await page.evaluate(() => window.__tinymlperf.results);
  assert.deepEqual(results.map((e) => e.event), EVENTS);
  await page.waitForFunction((n) => document.querySelectorAll('#cards svg.optime-chart').length === n, EVENTS.length);

  for (const entry of results) {
    const ev = entry.event;
    const ops = entry.report.per_layer, base = entry.report.baseline_per_layer;
    assert.ok(ops?.length >= 2, `${ev}: the engine timed the entry's ops`);
    assert.ok(base?.length >= 2, `${ev}: the engine timed the baseline's ops`);
    assert.deepEqual(ops.map((o) => o.op).sort(), base.map((o) => o.op).sort(), `${ev}: both sides ran the same ops`);
    assert.ok(ops.some((o) => o.op === 'other'), `${ev}: the time outside the kernel table is listed`);
    const v = await viewOf(ev);
    assert.ok(v, `${ev}: the card has the view`);
    assert.equal(v.state, 'shown');
    assert.equal(v.open, true, `${ev}: unfolded on the card`);
    // Every op the engine reported, in its order (the entry's, largest first), once each.
    assert.deepEqual(v.chartOps, ops.map((o) => o.op), `${ev}: the chart lists the engine's ops`);
    assert.deepEqual(v.table.map((r) => r.op), ops.map((o) => o.op), `${ev}: the table lists the engine's ops`);
    assert.ok(v.bars.every((b) => b.cand === 1 && b.base === 1), `${ev}: an entry bar and a baseline bar per op`);
    for (const [i, o] of ops.entries()) {
      const b = base.find((x) => x.op === o.op);
      const row = v.table[i];
      assert.equal(row.cells[0].fig, `${fmtMs(o.ms_per_forward)} · ${pct(o.share)}`, `${ev} ${o.op}: the entry's figures`);
      assert.equal(row.cells[1].fig, `${fmtMs(b.ms_per_forward)} · ${pct(b.share)}`, `${ev} ${o.op}: the baseline's figures`);
      assert.equal(row.cells[0].variant, o.variant, `${ev} ${o.op}: the entry's variant named`);
      assert.equal(row.cells[1].variant, b.variant);
      assert.ok(v.variants[i].endsWith(o.variant), `${ev} ${o.op}: the chart names the variant (${v.variants[i]})`);
    }
    // SIMD128, or relaxed SIMD where the worker installed it (Chromium has it; www/relaxed.js).
    assert.ok(ops.some((o) => /simd128|relaxed/.test(o.variant)), `${ev}: the SIMD128 recipe's variants (${ops.map((o) => o.variant)})`);
    assert.ok(base.filter((o) => o.op !== 'other').every((o) => /__scalar$/.test(o.variant)), `${ev}: the baseline runs the scalar table`);
    assert.match(v.caption, new RegExp(`Optimise ${ops.find((o) => o.op !== 'other').op} next`), `${ev}: the caption points at the largest op`);
    assert.match(v.legend, /entry \(simd128 kernels\)baseline \(reference, scalar kernels\)/);
    assert.match(v.label, new RegExp(`^Where the time goes.*${ops[0].op}`), `${ev}: the chart's text alternative names the ops`);
    const card = page.locator(`#cards .card.result[data-event="${ev}"]`);
    await card.locator('details.optime').screenshot({ path: shotPath(`optime-${ev}-desktop.png`) });
  }
  // The engine's op names for what each model runs.
  const names = (ev) => results.find((e) => e.event === ev).report.per_layer.map((o) => o.op).sort();
  assert.deepEqual(names('mlp_sprint'), ['linear', 'other']);
  assert.deepEqual(names('cnn_marathon'), ['conv3x3', 'linear', 'maxpool2', 'other']);
  assert.deepEqual(names('transformer_decathlon'), ['attention', 'embed', 'layernorm', 'linear', 'mean_pool', 'other']);
  const fused = (ev, op) => results.find((e) => e.event === ev).report.per_layer.find((o) => o.op === op).fused;
  assert.deepEqual(fused('transformer_decathlon', 'linear'), ['gelu'], 'GELU runs fused into the FFN layer');
  assert.deepEqual(fused('cnn_marathon', 'conv3x3'), ['relu']);
  assert.match(await page.textContent('#cards .card.result[data-event="cnn_marathon"] details.optime svg'), /\+ relu fused/);
  await page.locator('#cards').screenshot({ path: shotPath('optime-cards-desktop.png') });
  assert.deepEqual(problems, [], 'no console errors or failed requests');
});

test('at 375 px the view fits the card: nothing wider than the card, labels inside the chart', { timeout: 120_000 }, async () => {
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(400); // the chart redraws at its new width
  for (const ev of EVENTS) {
    const fit = await page.evaluate((e) => {
      const card = document.querySelector(`#cards .card.result[data-event="${e}"]`);
      const v = card.querySelector('details.optime');
      const svg = v.querySelector('svg.optime-chart');
      const box = svg.getBoundingClientRect();
      const texts = [...svg.querySelectorAll('text')].map((t) => t.getBoundingClientRect());
      return {
        card: card.getBoundingClientRect().width, view: v.scrollWidth, svg: box.width,
        outside: texts.filter((r) => r.left < box.left - 1 || r.right > box.right + 1).length,
      };
    }, ev);
    assert.ok(fit.svg <= fit.card && fit.view <= fit.card, `${ev}: the chart (${fit.svg} px) fits the card (${fit.card} px)`);
    assert.equal(fit.outside, 0, `${ev}: every label inside the chart`);
  }
  const card = page.locator('#cards .card.result[data-event="transformer_decathlon"]');
  await card.locator('details.optime summary').first().scrollIntoViewIfNeeded();
  await card.locator('details.optime .optime-data summary').click();
  await card.locator('details.optime').screenshot({ path: shotPath('optime-transformer_decathlon-phone.png') });
  assert.equal(await card.locator('table.optime-table').isVisible(), true, 'the table opens');
  const t = await card.locator('table.optime-table').evaluate((n) => ({ w: n.getBoundingClientRect().width, parent: n.parentElement.clientWidth }));
  assert.ok(t.w <= t.parent + 1, `the table fits (${t.w} of ${t.parent} px)`);
  await page.setViewportSize(DESKTOP);
});

test('a submitted built-in recipe (INT8 CNN) gets the view too, with its own variant beside the scalar baseline', { timeout: 300_000 }, async () => {
  await page.fill('#f-team', 'Team Ops');
  await page.selectOption('#f-event', 'cnn_marathon');
  await page.check('#r-int8');
  await page.click('#submit-btn');
  await page.waitForSelector('#submit-status.ok, #submit-status.error', { timeout: 280_000 });
  assert.match(await page.textContent('#submit-status'), /^Scored and saved/);
  const card = page.locator('#submit-result .card.result');
  const v = card.locator('details.optime[data-optime="shown"]');
  await v.locator('svg.optime-chart').waitFor();
  const rows = await v.locator('table.optime-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.op, ...[...tr.querySelectorAll('.optime-variant')].map((c) => c.textContent)]));
  const linear = rows.find(([op]) => op === 'linear');
  assert.match(linear[1], /^i8_/, `the entry's INT8 dense-layer variant is named (${linear[1]})`);
  assert.equal(linear[2], 'f32_gemm__scalar', 'beside the baseline\'s');
  // conv2 runs in the INT8 convolution slot (conv1, one input channel, stays fp32).
  assert.deepEqual(rows.map(([op]) => op).sort(), ['conv3x3', 'conv3x3_int8', 'linear', 'maxpool2', 'other']);
  const conv8 = rows.find(([op]) => op === 'conv3x3_int8');
  assert.match(conv8[1], /^i8_conv3x3__/, `the entry's INT8 convolution variant is named (${conv8[1]})`);
  await v.screenshot({ path: shotPath('optime-submission-desktop.png') });
});

test('an entry without per-op times says why (a custom WebAssembly kernel; an older record)', { timeout: 60_000 }, async () => {
  const said = await page.evaluate(async (entry) => {
    const { opTimeView } = await import('/www/optime.js');
    const bare = { ...entry, report: { ...entry.report, per_layer: null, baseline_per_layer: null } };
    const custom = opTimeView({ ...bare, kernel: { bytes: 1 } });
    const old = opTimeView(bare);
    return [[custom.dataset.optime, custom.textContent], [old.dataset.optime, old.textContent]];
  }, results[0]);
  assert.equal(said[0][0], 'custom-kernel');
  assert.match(said[0][1], /Where the time goes.*own WebAssembly kernel/);
  assert.equal(said[1][0], 'absent');
  assert.match(said[1][1], /no per-op times/);
});
