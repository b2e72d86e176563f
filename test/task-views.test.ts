/** Tasks declare their report views and what those need recorded; the report and the sweep runner name no task. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { modelToJson } from '../src/io/model-format.js';
import { Rng } from '../src/linalg/rng.js';
import { NeuronPursuit } from '../src/pursuit/neuron-pursuit.js';
import { runFigures } from '../src/report/experiment-report.js';
import { TASK_NAMES, getTask, recordsWeights } from '../src/tasks/tasks.js';

/** The figures every NP run gets, whatever its task. */
const COMMON = ['errors', 'loss', 'widths'];

describe('task views', () => {
  const cases: [task: string, views: string[]][] = [
    ['hypersphere-f1', []],
    ['hypercube-f1', ['function']],
    ['max-planes-2d', ['plane']],
    ['pvr', ['weights-layer1', 'weights-layer2', 'weights-layer3']],
    ['modular-addition-5', ['dft-layer1-a', 'dft-layer1-b', 'dft-layer2']],
    [
      'demo',
      [
        'weights-layer1',
        'weights-layer2',
        'weights-layer3',
        'function',
        'walkthrough-kkt',
        'walkthrough-weights',
        'walkthrough-function',
      ],
    ],
  ];
  for (const [name, views] of cases) {
    it(`${name}: the report draws the views the task declares${views.length ? '' : ' (none)'}`, () => {
      const task = getTask(name);
      const { train } = task.generate(Math.min(60, task.defaultSamples), 0, new Rng(0, `data/${name}`));
      const options = {
        ...task.defaults,
        maxIterations: 2,
        gdSteps: 200,
        // 3 restarts of the 3-input plane tasks all start dead (σ off on every sample) and find no positive NCF
        restarts: 8,
        pgaSteps: 50,
        recordWeights: recordsWeights(task),
      };
      const fitted = new NeuronPursuit(options).fit(train.X, train.Y);
      const figures = runFigures({ history: fitted.history, model: modelToJson(fitted.network) }, name, name);
      assert.deepEqual(
        figures.map((f) => f.name),
        [...COMMON, ...views],
      );
    });
  }

  it('only the walk-through needs weights recorded, and without them it is left out', () => {
    assert.deepEqual(
      TASK_NAMES.filter((name) => recordsWeights(getTask(name))),
      ['demo'],
    );
    const demo = getTask('demo');
    const { train } = demo.generate(60, 0, new Rng(0, 'data/demo'));
    const fitted = new NeuronPursuit({
      ...demo.defaults,
      maxIterations: 1,
      gdSteps: 200,
      restarts: 3,
      pgaSteps: 50,
    }).fit(train.X, train.Y);
    const names = runFigures({ history: fitted.history, model: modelToJson(fitted.network) }, 'demo', 'demo').map(
      (f) => f.name,
    );
    assert.ok(names.includes('function') && !names.some((n) => n.startsWith('walkthrough')), names.join(', '));
  });

  it('no task is named in the report or the sweep runner', () => {
    for (const file of ['src/report/experiment-report.ts', 'src/experiments/run-point.ts']) {
      const code = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
      for (const name of [...TASK_NAMES, 'modular-addition'])
        assert.ok(!code.includes(`'${name}`), `${file} names the task ${name}`);
    }
  });
});
