/** What the report pages show: the loss at every GD check, integer axes, named metrics, tables instead of JSON. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelToJson } from '../src/io/model-format.js';
import { Rng } from '../src/linalg/rng.js';
import type { IterationRecord } from '../src/pursuit/history.js';
import { NeuronPursuit } from '../src/pursuit/neuron-pursuit.js';
import { errorsPerIterationSpec, integerAxis, sampleComplexitySpec } from '../src/report/charts.js';
import { headlineTable, iterationTable, runFigures } from '../src/report/experiment-report.js';
import { getTask } from '../src/tasks/tasks.js';

const demo = getTask('demo');
const { train } = demo.generate(100, 0, new Rng(0, 'data/demo'));
const fitted = new NeuronPursuit({
  ...demo.defaults,
  maxIterations: 3,
  targetError: 0,
  gdSteps: 2000,
  restarts: 3,
  pgaSteps: 100,
}).fit(train.X, train.Y);
const model = modelToJson(fitted.network);

/** A figure's layers (vega-lite `layer`), loosely typed. */
type Layer = { data: { values: Record<string, unknown>[] }; mark: { type: string } | string; encoding: object };
const layersOf = (spec: unknown) => (spec as { layer: Layer[] }).layer;
const axisOf = (spec: unknown, channel: 'x' | 'y') =>
  (spec as { encoding: Record<string, { axis?: { values?: number[] }; title?: unknown }> }).encoding[channel]!;

describe('the report of a run', () => {
  it('plots the loss at every GD check over all iterations, each addition marked and labelled', () => {
    const loss = runFigures({ history: fitted.history, model }, 'demo', 'demo').find((f) => f.name === 'loss')!;
    const [line, rules, labels] = layersOf(loss.spec);
    const points = line!.data.values as { step: number }[];
    const checks = fitted.history.reduce((n, h) => n + h.gdTrace!.length, 0);
    assert.ok(checks > 2 * fitted.history.length, `${checks} checks: more than each stage's start and end`);
    assert.equal(points.length, checks);
    assert.ok(
      points.every((p, i) => i === 0 || p.step >= points[i - 1]!.step),
      'one step axis, in order',
    );
    assert.equal(points.at(-1)!.step, fitted.gdSteps);
    const additions = fitted.history.slice(1).map((h) => `+${[...new Set(h.layers)].map((l) => `L${l}`).join('+')}`);
    assert.deepEqual(
      rules!.data.values.map((v) => v.label),
      additions,
    );
    assert.deepEqual(labels!.mark, { ...(labels!.mark as object), type: 'text' });
    // a history from before gdTrace: the start and end of each stage
    const old = fitted.history.map(({ gdTrace: _t, ...h }) => h as IterationRecord);
    const [oldLine] = layersOf(
      runFigures({ history: old, model }, 'demo', 'demo').find((f) => f.name === 'loss')!.spec,
    );
    assert.equal(oldLine!.data.values.length, 2 * old.length);
  });

  it('draws iterations and neuron counts on integer axes, and names the error metric', () => {
    const figures = runFigures({ history: fitted.history, model }, 'demo', 'demo');
    const errors = figures.find((f) => f.name === 'errors')!.spec;
    const widths = figures.find((f) => f.name === 'widths')!.spec;
    for (const values of [axisOf(errors, 'x').axis!.values!, axisOf(widths, 'x').axis!.values!]) {
      assert.deepEqual(values, [1, 2, 3]);
    }
    assert.ok(axisOf(widths, 'y').axis!.values!.every(Number.isInteger));
    assert.equal(axisOf(errors, 'y').title, 'relative squared error');
    const classification = errorsPerIterationSpec('t', [{ iteration: 1, kind: 'test', error: 0.5 }], true);
    assert.equal(axisOf(classification, 'y').title, 'classification error');
    assert.deepEqual(integerAxis([1, 40]).values, [1, 5, 9, 13, 17, 21, 25, 29, 33, 37]);
    assert.deepEqual(integerAxis([2, 3], 0).values, [0, 1, 2, 3]);
  });

  it('tabulates the iterations, with GD stops in words: "η halved ×4", not "diverged"', () => {
    const history = fitted.history.map((h, i) =>
      i === 1 ? { ...h, gdStopReason: 'diverged' as const, gdHalvings: 4 } : h,
    );
    const html = iterationTable(history);
    assert.match(html, /^<table><thead><tr><th>iteration<\/th>/);
    assert.equal((html.match(/<tr>/g) ?? []).length, 1 + history.length);
    assert.match(html, /<td>η halved ×4<\/td>/);
    assert.doesNotMatch(html, /diverged/);
  });

  it('draws the weights of a CSV run, its inputs named by their columns', () => {
    const columns = { features: Array.from({ length: 20 }, (_, i) => `f${i}`), targets: ['y'] };
    const csvModel = modelToJson(fitted.network, columns);
    const figures = runFigures({ history: fitted.history, model: csvModel }, undefined, 'CSV data');
    const names = figures.map((f) => f.name);
    assert.deepEqual(names, ['errors', 'loss', 'widths', 'weights-layer1', 'weights-layer2', 'weights-layer3']);
    const layer1 = figures[3]!.spec as unknown as { data: { values: { c: unknown }[] } };
    assert.deepEqual([...new Set(layer1.data.values.map((v) => v.c))], columns.features);
  });
});

describe('the report of a store', () => {
  const point = { task: 't', samples: 10, kind: 'test' as const, mean: 0.1, lo: 0.05, hi: 0.2 };

  it('has no legend entry for an algorithm without runs', () => {
    const color = (spec: unknown) =>
      (spec as { spec: { layer: { encoding: { color: { scale: { domain: string[] } } } }[] } }).spec.layer[0]!.encoding
        .color.scale.domain;
    assert.deepEqual(color(sampleComplexitySpec('t', [{ ...point, algorithm: 'NP' }])), ['NP']);
    assert.deepEqual(
      color(
        sampleComplexitySpec('t', [
          { ...point, algorithm: 'GD' },
          { ...point, algorithm: 'NP' },
        ]),
      ),
      ['NP', 'GD'],
    );
  });

  it('gives the headline numbers as an HTML table, with columns only for the algorithms that ran', () => {
    const row = {
      task: 'demo',
      algorithm: 'np',
      samples: 60,
      seeds: 2,
      failed: 0,
      trainMean: 1e-3,
      trainMin: 1e-4,
      trainMax: 2e-3,
      testMean: 2e-2,
      testMin: 1e-2,
      testMax: 3e-2,
      iterationsMean: 2.5,
      secondsMean: 1,
    };
    const html = headlineTable([row]);
    assert.match(html, /^<table>/);
    assert.match(html, /<th>NP test<\/th>/);
    assert.doesNotMatch(html, /GD/);
    assert.match(html, /<td>2\.00e-2<\/td>/);
  });
});
