/**
 * The ONNX export, run by ONNX Runtime (onnxruntime-web's WebAssembly backend, in Node) and validated by the
 * official checker (Debian's python3-onnx, installed by scripts/install-python.sh): the runtime's outputs
 * match `predict` for every activation, depths 2–4, 1 and 23 outputs, float64 and float32, in both layouts (one
 * [N, d] input and [N, m] output, the default; one [N, 1] tensor per column).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-web';
import { ONNX_LAYOUTS, type OnnxDtype, networkToOnnx } from '../src/export/onnx.js';
import { ModelProtoSchema, TensorProto_DataType, type ValueInfoProto } from '../src/export/onnx-proto.generated.js';
import { type ModelParts, type ModelPreprocessing, modelPredict, modelToJson } from '../src/io/model-format.js';
import { type Matrix, zeros } from '../src/linalg/matrix.js';
import { Rng } from '../src/linalg/rng.js';
import type { ActivationSpec } from '../src/model/activation.js';
import { NeuronPursuit } from '../src/pursuit/neuron-pursuit.js';
import { getTask } from '../src/tasks/tasks.js';
import { EXPORT_ACTIVATIONS, gaussianMatrix, maxRelativeDifference, randomNetwork, runCli } from './helpers.js';

ort.env.wasm.numThreads = 1;

const TOLERANCE: Record<OnnxDtype, number> = { float64: 1e-12, float32: 1e-5 };
const PYTHON = '/usr/bin/python3';

const tensor = (dtype: OnnxDtype, values: Float64Array, dims: number[]) =>
  dtype === 'float64'
    ? new ort.Tensor('float64', values, dims)
    : new ort.Tensor('float32', Float32Array.from(values), dims);

/**
 * ONNX Runtime's outputs for the rows of X as an n × (outputs) matrix: fed as one [n, d] tensor to a model with the
 * one input `input` (checking that its one output `output` is [n, m]), else one column per input name.
 */
async function runOnnx(
  bytes: Uint8Array,
  X: Matrix,
  dtype: OnnxDtype,
  graphOptimizationLevel: 'basic' | 'all' = 'all',
): Promise<Matrix> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel });
  try {
    if (session.inputNames.length === 1 && session.inputNames[0] === 'input') {
      assert.deepEqual(session.outputNames, ['output']);
      const results = await session.run({ input: tensor(dtype, Float64Array.from(X.data), [X.rows, X.cols]) });
      const output = results.output!;
      assert.equal(output.dims.length, 2);
      assert.equal(output.dims[0], X.rows);
      return { rows: X.rows, cols: output.dims[1]!, data: Float64Array.from(output.data as Float64Array) };
    }
    const feeds: Record<string, ort.Tensor> = {};
    session.inputNames.forEach((name, j) => {
      const column = Float64Array.from({ length: X.rows }, (_, i) => X.data[i * X.cols + j]!);
      feeds[name] = tensor(dtype, column, [X.rows, 1]);
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

/** A graph input's or output's element type and shape ('N' for the free batch dimension). */
function signature(v: ValueInfoProto): [TensorProto_DataType | undefined, (string | number)[]] {
  if (v.type?.value.case !== 'tensorType') return [undefined, []];
  const { elemType, shape } = v.type.value.value;
  return [
    elemType,
    (shape?.dim ?? []).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : String(d.value.value))),
  ];
}

function label(a: ActivationSpec): string {
  return a.name === 'custom' ? `custom (p = ${a.p}, α = ${a.alpha})` : a.name;
}

/** The operators each activation's graph uses in the default layout (the columns layout adds Concat; one output). */
const OPERATORS: Record<string, string[]> = {
  relu: ['MatMul', 'Relu'],
  'leaky-relu': ['MatMul', 'Max', 'Mul'],
  square: ['MatMul', 'Max', 'Mul'],
  'squared-relu': ['MatMul', 'Mul', 'Relu'],
  linear: ['MatMul'],
  'custom (p = 3, α = 0.5)': ['MatMul', 'Max', 'Mul', 'Pow'],
  'custom (p = 1.5, α = -0.3)': ['MatMul', 'Max', 'Mul', 'Pow'],
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
            for (const layout of ONNX_LAYOUTS) {
              const got = await runOnnx(networkToOnnx(net, { dtype, layout }), X, dtype);
              assert.equal(got.cols, outputs);
              const difference = maxRelativeDifference(got.data, expected.data);
              assert.ok(difference <= TOLERANCE[dtype], `${dtype}, ${layout}, widths [${widths}]: ${difference}`);
              worst[dtype] = Math.max(worst[dtype], difference);
            }
          }
        }
      }
      const [f64, f32] = [worst.float64.toExponential(2), worst.float32.toExponential(2)];
      t.diagnostic(`max |difference| / max |predict|: float64 ${f64}, float32 ${f32}`);
    });
  }

  it('declares opset 17 and IR version 8; one input [N, d] and one output [N, m], the columns in the metadata', () => {
    for (const activation of EXPORT_ACTIVATIONS) {
      const net = randomNetwork([3, 4, 2, 2], activation, rng.fork('declares'));
      const features = ['height', 'weight', 'age (years)'];
      const targets = ['risk', 'cost'];
      const bytes = networkToOnnx(net, { features, targets });
      assert.deepEqual(bytes, networkToOnnx(net, { features, targets }), 'the same network gives the same bytes');
      const model = fromBinary(ModelProtoSchema, bytes);
      assert.equal(model.irVersion, 8n);
      assert.deepEqual(
        model.opsetImport.map((o) => [o.domain, o.version]),
        [['', 17n]],
      );
      assert.deepEqual(
        model.metadataProps.map((p) => [p.key, JSON.parse(p.value)]),
        [
          ['features', features],
          ['targets', targets],
        ],
      );
      const graph = model.graph!;
      const DOUBLE = TensorProto_DataType.DOUBLE;
      assert.deepEqual(
        graph.input.map((v) => [v.name, ...signature(v)]),
        [['input', DOUBLE, ['N', 3]]],
      );
      assert.deepEqual(
        graph.output.map((v) => [v.name, ...signature(v)]),
        [['output', DOUBLE, ['N', 2]]],
      );
      const operators = [...new Set(graph.node.map((n) => n.opType))].sort();
      assert.deepEqual(operators, OPERATORS[label(activation)], label(activation));

      const float32 = fromBinary(ModelProtoSchema, networkToOnnx(net, { dtype: 'float32' })).graph!;
      assert.ok(float32.initializer.every((w) => w.dataType === TensorProto_DataType.FLOAT));
      assert.deepEqual(float32.input.map(signature), [[TensorProto_DataType.FLOAT, ['N', 3]]]);
      assert.deepEqual(float32.output.map(signature), [[TensorProto_DataType.FLOAT, ['N', 2]]]);
    }
  });

  it('the columns layout: one [N, 1] input per feature and output per target, named by the columns', () => {
    for (const activation of EXPORT_ACTIVATIONS) {
      const net = randomNetwork([3, 4, 2, 1], activation, rng.fork('columns'));
      const features = ['height', 'weight', 'age (years)'];
      const model = fromBinary(
        ModelProtoSchema,
        networkToOnnx(net, { layout: 'columns', features, targets: ['risk'] }),
      );
      const graph = model.graph!;
      const DOUBLE = TensorProto_DataType.DOUBLE;
      assert.deepEqual(
        graph.input.map((v) => [v.name, ...signature(v)]),
        features.map((f) => [f, DOUBLE, ['N', 1]]),
      );
      assert.deepEqual(
        graph.output.map((v) => [v.name, ...signature(v)]),
        [['risk', DOUBLE, ['N', 1]]],
      );
      const operators = [...new Set(graph.node.map((n) => n.opType))].sort();
      assert.deepEqual(operators, ['Concat', ...OPERATORS[label(activation)]!].sort(), label(activation));
      assert.deepEqual(
        model.metadataProps.map((p) => p.key),
        ['features', 'targets'],
      );
      const defaults = fromBinary(ModelProtoSchema, networkToOnnx(net, { layout: 'columns' })).graph!;
      assert.deepEqual(
        defaults.input.map((v) => v.name),
        ['x1', 'x2', 'x3'],
      );
      assert.deepEqual(
        defaults.output.map((v) => v.name),
        ['y'],
      );
    }
  });

  it('exports a fitted network: FittedNeuronPursuit#toOnnx() gives what predict gives, preprocessing too', async () => {
    const demo = getTask('demo');
    const { train, test } = demo.generate(80, 50, new Rng(0, 'data/demo'));
    const options = { ...demo.defaults, maxIterations: 2, gdSteps: 500, restarts: 3, pgaSteps: 100 };
    const plain = new NeuronPursuit(options).fit(train.X, train.Y);
    const got = await runOnnx(plain.toOnnx(), test.X, 'float64');
    assert.ok(maxRelativeDifference(got.data, plain.predict(test.X).data) <= 1e-12);
    // With one target, ONNX Runtime's extended optimizations fuse MatMul and the target's scale into a FusedMatMul
    // whose alpha is a float32 attribute (2.6e-8 off here); its basic level keeps the graph's float64 arithmetic.
    const standardized = new NeuronPursuit({ ...options, intercept: true, standardize: true }).fit(train.X, train.Y);
    const expected = standardized.predict(test.X).data;
    for (const layout of ONNX_LAYOUTS) {
      const exact = await runOnnx(standardized.toOnnx({ layout }), test.X, 'float64', 'basic');
      assert.ok(maxRelativeDifference(exact.data, expected) <= 1e-12, layout);
      const fused = await runOnnx(standardized.toOnnx({ layout }), test.X, 'float64');
      assert.ok(maxRelativeDifference(fused.data, expected) <= 1e-6, layout);
    }
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
      const model: ModelParts = { network, ...columns, preprocessing };
      for (const layout of ONNX_LAYOUTS) {
        // float64 from the model file through the command line; float32 through the library.
        const r = runCli(['export', '--model', 'model.json', '--out', 'm.onnx', '--layout', layout], dir);
        assert.equal(r.code, 0, r.stderr);
        const exports = {
          float64: readFileSync(join(dir, 'm.onnx')),
          float32: networkToOnnx(network, { ...columns, preprocessing, dtype: 'float32', layout }),
        };
        for (const dtype of ['float64', 'float32'] as const) {
          const got = await runOnnx(exports[dtype], X, dtype);
          const difference = maxRelativeDifference(got.data, modelPredict(model, X).data);
          assert.ok(difference <= TOLERANCE[dtype], `${what}, ${layout}, ${dtype}: ${difference}`);
        }
      }
    }
  });

  it('refuses names it cannot give the inputs and outputs, and a preprocessing that does not fit', () => {
    const net = randomNetwork([2, 3, 1], { name: 'relu', p: 1, alpha: 0 }, rng.fork('names'));
    for (const layout of ONNX_LAYOUTS) {
      assert.throws(() => networkToOnnx(net, { layout, features: ['a', 'a'] }), /the column name 'a' is used twice/);
      assert.throws(() => networkToOnnx(net, { layout, features: ['a', 'y'] }), /the column name 'y' is used twice/);
      assert.throws(() => networkToOnnx(net, { layout, features: ['a', ''] }), /an input or output name is empty/);
      assert.throws(() => networkToOnnx(net, { layout, features: ['a'] }), /1 feature name\(s\) for 2 features/);
      assert.throws(() => networkToOnnx(net, { layout, targets: ['u', 'v'] }), /2 target name\(s\) for 1 outputs/);
    }
    // Internal tensors are named np/…: a column may not be, where columns name the graph's inputs and outputs.
    const internal = { features: ['np/x', 'b'] };
    assert.throws(() => networkToOnnx(net, { layout: 'columns', ...internal }), /column name 'np\/x' starts with/);
    assert.doesNotThrow(() => networkToOnnx(net, internal));
    assert.throws(() => networkToOnnx(net, { dtype: 'float16' as OnnxDtype }), /unknown dtype 'float16'/);
    assert.throws(() => networkToOnnx(net, { layout: 'rows' as 'tensor' }), /unknown layout 'rows'/);
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
      [['--model', 'model.json', '--out', 'm.onnx', '--layout', 'rows'], /argument 'rows' is invalid/],
      [['--model', 'missing.json', '--out', 'm.onnx'], /missing.json: no such file/],
      [['--model', 'old.json', '--out', 'm.onnx'], /format version 99 is not supported/],
      [['--model', 'clash.json', '--out', 'm.onnx', '--layout', 'columns'], /column name 'np\/b' starts with 'np\/'/],
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
    assert.match(ok.stdout, /out\/m.onnx: ONNX opset 17, float64, tensor layout, widths \[2,3,1\]/);
    assert.deepEqual(readFileSync(join(dir, 'out/m.onnx')), Buffer.from(networkToOnnx(net)));
    const columns = runCli(['export', '--model', 'model.json', '--layout', 'columns', '--out', 'c.onnx'], dir);
    assert.equal(columns.code, 0, columns.stderr);
    assert.deepEqual(readFileSync(join(dir, 'c.onnx')), Buffer.from(networkToOnnx(net, { layout: 'columns' })));
  });

  it('validates under the official onnx.checker (full check), which rejects a model without its opset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-onnx-checker-'));
    const files: string[] = [];
    for (const [i, activation] of EXPORT_ACTIVATIONS.entries()) {
      const net = randomNetwork([4, 5, 3, 23], activation, rng.fork(`checker/${i}`));
      for (const dtype of ['float64', 'float32'] as const) {
        for (const layout of ONNX_LAYOUTS) {
          files.push(join(dir, `${i}-${dtype}-${layout}.onnx`));
          writeFileSync(files.at(-1)!, networkToOnnx(net, { dtype, layout }));
        }
      }
    }
    const net = randomNetwork([6, 4, 2], { name: 'relu', p: 1, alpha: 0 }, rng.fork('checker/pre'));
    const preprocessing = { intercept: true, featureMean: [1, 2, 3, 4, 5], featureScale: [1, 2, 3, 4, 5] };
    for (const layout of ONNX_LAYOUTS) {
      files.push(join(dir, `preprocessing-${layout}.onnx`));
      writeFileSync(files.at(-1)!, networkToOnnx(net, { preprocessing, targets: ['u', 'v'], layout }));
    }
    const broken = fromBinary(ModelProtoSchema, networkToOnnx(net, { preprocessing }));
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
