/**
 * The ONNX export, run by ONNX Runtime (onnxruntime-web's WebAssembly backend, in Node) and validated by the
 * official checker (Debian's python3-onnx, installed by scripts/install-python.sh): the runtime's outputs
 * match `predict` for every activation, depths 2–4, 1 and 23 outputs, float64 and float32.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-web';
import { type OnnxDtype, networkToOnnx } from '../src/export/onnx.js';
import { ModelProtoSchema, TensorProto_DataType } from '../src/export/onnx-proto.generated.js';
import { type LoadedModel, type ModelPreprocessing, modelPredict, modelToJson } from '../src/io/model-format.js';
import { type Matrix, zeros } from '../src/linalg/matrix.js';
import { Rng } from '../src/linalg/rng.js';
import type { ActivationSpec } from '../src/model/activation.js';
import { NeuronPursuit } from '../src/pursuit/neuron-pursuit.js';
import { getTask } from '../src/tasks/tasks.js';
import { EXPORT_ACTIVATIONS, gaussianMatrix, maxRelativeDifference, randomNetwork, runCli } from './helpers.js';

ort.env.wasm.numThreads = 1;

const TOLERANCE: Record<OnnxDtype, number> = { float64: 1e-12, float32: 1e-5 };
const PYTHON = '/usr/bin/python3';

/** ONNX Runtime's outputs for the rows of X, fed one column per input name, as an n × (outputs) matrix. */
async function runOnnx(bytes: Uint8Array, X: Matrix, dtype: OnnxDtype): Promise<Matrix> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    session.inputNames.forEach((name, j) => {
      const column = Float64Array.from({ length: X.rows }, (_, i) => X.data[i * X.cols + j]!);
      feeds[name] =
        dtype === 'float64'
          ? new ort.Tensor('float64', column, [X.rows, 1])
          : new ort.Tensor('float32', Float32Array.from(column), [X.rows, 1]);
    });
    const results = await session.run(feeds);
    const names = session.outputNames;
    const Y = zeros(X.rows, names.length);
    names.forEach((name, k) => {
      const data = results[name]!.data as Float64Array | Float32Array;
      assert.deepEqual(results[name]!.dims, [X.rows, 1]);
      for (let i = 0; i < X.rows; i++) Y.data[i * names.length + k] = data[i]!;
    });
    return Y;
  } finally {
    await session.release();
  }
}

function label(a: ActivationSpec): string {
  return a.name === 'custom' ? `custom (p = ${a.p}, α = ${a.alpha})` : a.name;
}

/** The operators each activation's graph uses (one output: no Split). */
const OPERATORS: Record<string, string[]> = {
  relu: ['Concat', 'MatMul', 'Relu'],
  'leaky-relu': ['Concat', 'MatMul', 'Max', 'Mul'],
  square: ['Concat', 'MatMul', 'Max', 'Mul'],
  'squared-relu': ['Concat', 'MatMul', 'Mul', 'Relu'],
  linear: ['Concat', 'MatMul'],
  'custom (p = 3, α = 0.5)': ['Concat', 'MatMul', 'Max', 'Mul', 'Pow'],
  'custom (p = 1.5, α = -0.3)': ['Concat', 'MatMul', 'Max', 'Mul', 'Pow'],
};

describe('ONNX export', () => {
  const rng = new Rng(0, 'test/onnx');
  const X = gaussianMatrix(200, 5, rng.fork('inputs'));

  for (const activation of EXPORT_ACTIVATIONS) {
    it(`${label(activation)}: ONNX Runtime computes predict's values (depths 2–4, 1 and 23 outputs)`, async (t) => {
      const worst: Record<OnnxDtype, number> = { float64: 0, float32: 0 };
      for (const depth of [2, 3, 4]) {
        for (const outputs of [1, 23]) {
          const widths = [5, 7, 6, 4].slice(0, depth).concat(outputs);
          const net = randomNetwork(widths, activation, rng.fork(`${label(activation)}/${depth}/${outputs}`));
          const expected = net.forward(X);
          for (const dtype of ['float64', 'float32'] as const) {
            const got = await runOnnx(net.toOnnx({ dtype }), X, dtype);
            assert.equal(got.cols, outputs);
            const difference = maxRelativeDifference(got.data, expected.data);
            assert.ok(difference <= TOLERANCE[dtype], `${dtype}, widths [${widths}]: ${difference}`);
            worst[dtype] = Math.max(worst[dtype], difference);
          }
        }
      }
      const [f64, f32] = [worst.float64.toExponential(2), worst.float32.toExponential(2)];
      t.diagnostic(`max |difference| / max |predict|: float64 ${f64}, float32 ${f32}`);
    });
  }

  it('declares opset 17 and IR version 8, names inputs and outputs by the columns, uses the listed operators', () => {
    for (const activation of EXPORT_ACTIVATIONS) {
      const net = randomNetwork([3, 4, 2, 1], activation, rng.fork('declares'));
      const features = ['height', 'weight', 'age (years)'];
      const bytes = net.toOnnx({ features, targets: ['risk'] });
      assert.deepEqual(bytes, net.toOnnx({ features, targets: ['risk'] }), 'the same network gives the same bytes');
      const model = fromBinary(ModelProtoSchema, bytes);
      assert.equal(model.irVersion, 8n);
      assert.deepEqual(
        model.opsetImport.map((o) => [o.domain, o.version]),
        [['', 17n]],
      );
      const graph = model.graph!;
      assert.deepEqual(
        graph.input.map((v) => v.name),
        features,
      );
      assert.deepEqual(
        graph.output.map((v) => v.name),
        ['risk'],
      );
      const operators = [...new Set(graph.node.map((n) => n.opType))].sort();
      assert.deepEqual(operators, OPERATORS[label(activation)], label(activation));
      for (const v of [...graph.input, ...graph.output]) {
        assert.equal(v.type?.value.case === 'tensorType' && v.type.value.value.elemType, TensorProto_DataType.DOUBLE);
      }
      const float32 = fromBinary(ModelProtoSchema, net.toOnnx({ dtype: 'float32' })).graph!;
      assert.ok(float32.initializer.every((w) => w.dataType === TensorProto_DataType.FLOAT));
      assert.deepEqual(
        float32.input.map((v) => v.name),
        ['x1', 'x2', 'x3'],
      );
      assert.deepEqual(
        float32.output.map((v) => v.name),
        ['y'],
      );
    }
  });

  it('exports a fitted network: FittedNeuronPursuit#toOnnx() gives what predict gives', async () => {
    const demo = getTask('demo');
    const { train, test } = demo.generate(80, 50, new Rng(0, 'data/demo'));
    const options = { ...demo.defaults, maxIterations: 2, gdSteps: 500, restarts: 3, pgaSteps: 100 };
    const fitted = new NeuronPursuit(options).fit(train.X, train.Y);
    const got = await runOnnx(fitted.toOnnx(), test.X, 'float64');
    assert.ok(maxRelativeDifference(got.data, fitted.predict(test.X).data) <= 1e-12);
  });

  it('carries the preprocessing: standardization, the intercept column and the targets’ scale', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-onnx-'));
    const cases: [string, ModelPreprocessing][] = [
      [
        'all of it',
        {
          intercept: true,
          featureMean: [0.5, -1, 2, 0, 3],
          featureScale: [2, 0.5, 1, 4, 0.25],
          targetMean: [10, -3],
          targetScale: [3, 0.1],
        },
      ],
      ['the intercept alone', { intercept: true }],
      ['standardization without an intercept', { intercept: false, featureMean: [1, 2, 3, 4, 5], targetScale: [2, 5] }],
    ];
    for (const [what, preprocessing] of cases) {
      const widths = [5 + (preprocessing.intercept ? 1 : 0), 6, 4, 2];
      const network = randomNetwork(widths, { name: 'leaky-relu', p: 1, alpha: 0.1 }, rng.fork(what));
      const columns = { features: ['a', 'b', 'c', 'd', 'e'], targets: ['u', 'v'] };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(modelToJson(network, columns, preprocessing)));
      // float64 from the model file through the command line; float32 through the library.
      const r = runCli(['export', '--model', 'model.json', '--out', 'm.onnx'], dir);
      assert.equal(r.code, 0, r.stderr);
      const model: LoadedModel = { network, ...columns, preprocessing };
      const exports = {
        float64: readFileSync(join(dir, 'm.onnx')),
        float32: networkToOnnx(network, { ...columns, preprocessing, dtype: 'float32' }),
      };
      for (const dtype of ['float64', 'float32'] as const) {
        const got = await runOnnx(exports[dtype], X, dtype);
        const difference = maxRelativeDifference(got.data, modelPredict(model, X).data);
        assert.ok(difference <= TOLERANCE[dtype], `${what}, ${dtype}: ${difference}`);
      }
    }
  });

  it('refuses names it cannot give the inputs and outputs, and a preprocessing that does not fit', () => {
    const net = randomNetwork([2, 3, 1], { name: 'relu', p: 1, alpha: 0 }, rng.fork('names'));
    assert.throws(() => networkToOnnx(net, { features: ['a', 'a'] }), /the column name 'a' is used twice/);
    assert.throws(() => networkToOnnx(net, { features: ['a', 'y'] }), /the column name 'y' is used twice/);
    assert.throws(() => networkToOnnx(net, { features: ['a', ''] }), /an input or output name is empty/);
    assert.throws(() => networkToOnnx(net, { features: ['np/x', 'b'] }), /column name 'np\/x' starts with 'np\/'/);
    assert.throws(() => networkToOnnx(net, { features: ['a'] }), /1 feature name\(s\) for 2 features/);
    assert.throws(() => networkToOnnx(net, { targets: ['u', 'v'] }), /2 target name\(s\) for 1 outputs/);
    assert.throws(() => networkToOnnx(net, { dtype: 'float16' as OnnxDtype }), /unknown dtype 'float16'/);
    const preprocessing = { intercept: false, featureMean: [1] };
    assert.throws(() => networkToOnnx(net, { preprocessing }), /preprocessing.featureMean must hold 2 numbers/);
  });

  it('export on the command line: one line and a non-zero exit on bad input, and no file left behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-onnx-cli-'));
    const net = randomNetwork([2, 3, 1], { name: 'relu', p: 1, alpha: 0 }, rng.fork('cli'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelToJson(net)));
    const clash = modelToJson(net, { features: ['a', 'np/b'], targets: ['y'] });
    writeFileSync(join(dir, 'clash.json'), JSON.stringify(clash));
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ ...modelToJson(net), version: 99 }));
    const failures: [string[], RegExp][] = [
      [['--model', 'model.json', '--out', 'm.onnx', '--format', 'tflite'], /argument 'tflite' is invalid/],
      [['--model', 'model.json', '--out', 'm.onnx', '--dtype', 'float16'], /argument 'float16' is invalid/],
      [['--model', 'missing.json', '--out', 'm.onnx'], /missing.json: no such file/],
      [['--model', 'old.json', '--out', 'm.onnx'], /format version 99 is not supported/],
      [['--model', 'clash.json', '--out', 'm.onnx'], /column name 'np\/b' starts with 'np\/'/],
      [['--model', 'model.json'], /required option '--out <file>' not specified/],
    ];
    for (const [args, message] of failures) {
      const r = runCli(['export', ...args], dir);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['clash.json', 'model.json', 'old.json']);
    const ok = runCli(['export', '--model', 'model.json', '--format', 'onnx', '--out', 'out/m.onnx'], dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /out\/m.onnx: ONNX opset 17, float64, widths \[2,3,1\]/);
    assert.deepEqual(readFileSync(join(dir, 'out/m.onnx')), Buffer.from(net.toOnnx()));
  });

  it('validates under the official onnx.checker (full check), which rejects a model without its opset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-onnx-checker-'));
    const files: string[] = [];
    for (const [i, activation] of EXPORT_ACTIVATIONS.entries()) {
      const net = randomNetwork([4, 5, 3, 23], activation, rng.fork(`checker/${i}`));
      for (const dtype of ['float64', 'float32'] as const) {
        files.push(join(dir, `${i}-${dtype}.onnx`));
        writeFileSync(files.at(-1)!, net.toOnnx({ dtype }));
      }
    }
    const net = randomNetwork([6, 4, 2], { name: 'relu', p: 1, alpha: 0 }, rng.fork('checker/pre'));
    const preprocessing = { intercept: true, featureMean: [1, 2, 3, 4, 5], featureScale: [1, 2, 3, 4, 5] };
    files.push(join(dir, 'preprocessing.onnx'));
    writeFileSync(files.at(-1)!, net.toOnnx({ preprocessing, targets: ['u', 'v'] }));
    const broken = fromBinary(ModelProtoSchema, net.toOnnx({ preprocessing }));
    broken.opsetImport = [];
    writeFileSync(join(dir, 'broken.onnx'), toBinary(ModelProtoSchema, broken));

    const script = [
      'import sys, onnx',
      'for f in sys.argv[1:]:',
      '    try:',
      '        onnx.checker.check_model(onnx.load(f), full_check=True)',
      '        print("valid", f)',
      '    except Exception as e:',
      '        print("invalid", f, str(e).splitlines()[0] if str(e) else type(e).__name__)',
    ].join('\n');
    assert.ok(existsSync(PYTHON), `${PYTHON} is missing: run scripts/install-python.sh`);
    const r = spawnSync(PYTHON, ['-c', script, ...files, join(dir, 'broken.onnx')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(
      lines.slice(0, -1),
      files.map((f) => `valid ${f}`),
    );
    assert.match(lines.at(-1)!, /^invalid .*broken\.onnx/);
  });
});
