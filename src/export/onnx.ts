/**
 * A network as an ONNX model (opset 17, IR version 8), for ONNX Runtime and every tool that reads ONNX.
 *
 * The graph computes what `modelPredict` computes (src/io/model-format.ts):
 *   x = input, one [N, d] tensor (layout 'tensor', the default, as torch.onnx.export and skl2onnx write);
 *       or the inputs, one [N, 1] tensor per feature, → Concat (layout 'columns')
 *   x' = (x − featureMean) / featureScale                      Sub, Div      (when the model has them)
 *   z_1 = x' W_1ᵀ (+ the intercept column of W_1, as a bias)   MatMul (Add)
 *   h_l = σ(z_l), σ(z) = max(z, αz)^p                           Relu | Max(z, Mul(z, α)); Mul(m, m) | Pow(m, p)
 *   z_{l+1} = h_l W_{l+1}ᵀ                                      MatMul
 *   y = z_L · targetScale + targetMean                         Mul, Add      (when the model has them)
 *   → output, one [N, m] tensor; or → Split → the outputs, one [N, 1] tensor per target (layout 'columns')
 * The feature and target names travel in the model's metadata_props (`features`, `targets`: JSON arrays).
 * Every operator has float and double kernels in ONNX Runtime's CPU provider (test/onnx.test.ts runs them).
 * The messages are the official onnx.proto's, generated into onnx-proto.generated.ts (scripts/build-onnx-proto.mjs).
 * Browser-safe: the model comes back as bytes.
 */
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import type { Network } from '../model/network.js';
import { type ModelPreprocessing, defaultColumns, preprocessingProblem } from '../io/model-format.js';
import {
  AttributeProto_AttributeType,
  type GraphProtoSchema,
  ModelProtoSchema,
  type NodeProtoSchema,
  type TensorProtoSchema,
  TensorProto_DataType,
  type ValueInfoProtoSchema,
} from './onnx-proto.generated.js';

/** The opset of the default domain the graph uses, and the IR version of that opset's ONNX release (1.12). */
export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

export type OnnxDtype = 'float64' | 'float32';

/**
 * How the graph takes and gives its values: 'tensor', one input `input` [N, d] and one output `output` [N, m] (the
 * usual shape); 'columns', one [N, 1] input per feature and one output per target, named by the columns.
 */
export const ONNX_LAYOUTS = ['tensor', 'columns'] as const;
export type OnnxLayout = (typeof ONNX_LAYOUTS)[number];

/** The input and output of the 'tensor' layout. */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'output';

export interface OnnxExportOptions {
  /** Element type of the inputs, weights and outputs: float64, or float32 for runtimes without double kernels. */
  dtype?: OnnxDtype;
  /** One [N, d] input and one [N, m] output ('tensor', the default), or one [N, 1] tensor per column. */
  layout?: OnnxLayout;
  /** The features' names, in the metadata, and the inputs' names with layout 'columns' (default x1 … xd). */
  features?: readonly string[];
  /** The targets' names, in the metadata, and the outputs' names with layout 'columns' (default y, or y1 … ym). */
  targets?: readonly string[];
  /** The standardization and intercept the network was trained with (a model file's `preprocessing`). */
  preprocessing?: ModelPreprocessing;
}

type Tensor = MessageInitShape<typeof TensorProtoSchema>;
type Node = MessageInitShape<typeof NodeProtoSchema>;
type ValueInfo = MessageInitShape<typeof ValueInfoProtoSchema>;

/** The network (with its preprocessing, when given) as the bytes of an ONNX model file. */
export function networkToOnnx(network: Network, options: OnnxExportOptions = {}): Uint8Array {
  const dtype = options.dtype ?? 'float64';
  if (dtype !== 'float64' && dtype !== 'float32') throw new RangeError(`unknown dtype '${dtype}' (float64, float32)`);
  const layout = options.layout ?? 'tensor';
  if (!ONNX_LAYOUTS.includes(layout)) throw new RangeError(`unknown layout '${layout}' (${ONNX_LAYOUTS.join(', ')})`);
  const columns = layout === 'columns';
  const pre = options.preprocessing;
  const problem = pre && preprocessingProblem(pre, network.widths);
  if (problem) throw new RangeError(problem);
  const featureCount = network.inputDim - (pre?.intercept ? 1 : 0);
  const defaults = defaultColumns(featureCount, network.outputDim);
  const features = [...(options.features ?? defaults.features)];
  const targets = [...(options.targets ?? defaults.targets)];
  checkNames(features, targets, featureCount, network.outputDim, columns);

  const graph = new GraphBuilder(dtype);
  let x = !columns
    ? ONNX_INPUT
    : features.length === 1
      ? features[0]!
      : graph.node('Concat', features, 'x', { axis: 1 });
  if (pre?.featureMean) x = graph.node('Sub', [x, graph.vector('feature_mean', pre.featureMean)], 'x_centered');
  if (pre?.featureScale) x = graph.node('Div', [x, graph.vector('feature_scale', pre.featureScale)], 'x_scaled');
  let h = x;
  for (let l = 1; l <= network.depth; l++) {
    const W = network.layer(l);
    // The intercept is the last input column: its weights become a bias added after the product with the features.
    const cols = l === 1 ? featureCount : W.cols;
    const transposed = new Float64Array(cols * W.rows);
    for (let i = 0; i < W.rows; i++)
      for (let j = 0; j < cols; j++) transposed[j * W.rows + i] = W.data[i * W.cols + j]!;
    h = graph.node('MatMul', [h, graph.initializer(`W${l}`, [cols, W.rows], transposed)], `z${l}`);
    if (cols < W.cols) {
      const bias = Float64Array.from({ length: W.rows }, (_, i) => W.data[i * W.cols + cols]!);
      h = graph.node('Add', [h, graph.initializer(`b${l}`, [W.rows], bias)], `z${l}_biased`);
    }
    if (l < network.depth) h = graph.activation(h, network.activation, l);
  }
  if (pre?.targetScale) h = graph.node('Mul', [h, graph.vector('target_scale', pre.targetScale)], 'y_scaled');
  if (pre?.targetMean) h = graph.node('Add', [h, graph.vector('target_mean', pre.targetMean)], 'y');
  if (!columns) graph.rename(h, ONNX_OUTPUT);
  else if (targets.length === 1) graph.rename(h, targets[0]!);
  else graph.split(h, targets);

  const { name, p, alpha } = network.activation;
  const model = create(ModelProtoSchema, {
    irVersion: BigInt(ONNX_IR_VERSION),
    opsetImport: [{ domain: '', version: BigInt(ONNX_OPSET) }],
    producerName: 'neuron-pursuit',
    docString:
      `A homogeneous network grown by Neuron Pursuit: H(x) = W_L σ(W_{L−1} … σ(W_1 x)), σ(z) = max(z, αz)^p ` +
      `(${name}: p = ${p}, α = ${alpha}), widths [${network.widths.join(', ')}]` +
      (pre ? `, with the preprocessing ${JSON.stringify(pre)}` : ''),
    metadataProps: [
      { key: 'features', value: JSON.stringify(features) },
      { key: 'targets', value: JSON.stringify(targets) },
    ],
    graph: columns
      ? graph.build(
          features.map((f) => graph.valueInfo(f, 1)),
          targets.map((t) => graph.valueInfo(t, 1)),
        )
      : graph.build([graph.valueInfo(ONNX_INPUT, featureCount)], [graph.valueInfo(ONNX_OUTPUT, targets.length)]),
  });
  return toBinary(ModelProtoSchema, model);
}

/**
 * One name per feature and target, none empty or used twice. With layout 'columns' the names are the inputs' and
 * outputs'; internal tensors have the prefix `np/`, which no column may then use.
 */
function checkNames(
  features: string[],
  targets: string[],
  featureCount: number,
  outputCount: number,
  columns: boolean,
): void {
  if (features.length !== featureCount)
    throw new RangeError(`${features.length} feature name(s) for ${featureCount} features`);
  if (targets.length !== outputCount)
    throw new RangeError(`${targets.length} target name(s) for ${outputCount} outputs`);
  const seen = new Set<string>();
  for (const name of [...features, ...targets]) {
    if (name === '') throw new RangeError('an input or output name is empty');
    if (columns && name.startsWith(INTERNAL))
      throw new RangeError(`the column name '${name}' starts with '${INTERNAL}'`);
    if (seen.has(name)) throw new RangeError(`the column name '${name}' is used twice`);
    seen.add(name);
  }
}

const INTERNAL = 'np/';

/** Nodes and initializers, added in order; internal tensor names get the prefix `np/`. */
class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly initializers: Tensor[] = [];
  private readonly elemType: TensorProto_DataType;

  constructor(private readonly dtype: OnnxDtype) {
    this.elemType = dtype === 'float64' ? TensorProto_DataType.DOUBLE : TensorProto_DataType.FLOAT;
  }

  /** Adds a node with one output, `np/<output>`, and returns that name. */
  node(opType: string, inputs: string[], output: string, attributes: Record<string, number> = {}): string {
    const name = `${INTERNAL}${output}`;
    this.nodes.push({
      opType,
      input: inputs,
      output: [name],
      name: `${INTERNAL}${opType}:${output}`,
      attribute: Object.entries(attributes).map(([key, i]) => ({
        name: key,
        type: AttributeProto_AttributeType.INT,
        i: BigInt(i),
      })),
    });
    return name;
  }

  /** The node that computes `from` writes `to` instead (a graph output). */
  rename(from: string, to: string): void {
    for (const node of this.nodes) node.output = node.output?.map((o) => (o === from ? to : o));
  }

  /** σ(z) = max(z, αz)^p; p = 2 as m·m, the kernels' own rounding. */
  activation(z: string, { p, alpha }: { p: number; alpha: number }, l: number): string {
    let m = z;
    if (alpha === 0) m = this.node('Relu', [z], `m${l}`);
    else if (alpha !== 1)
      m = this.node('Max', [z, this.node('Mul', [z, this.scalar('alpha', alpha)], `az${l}`)], `m${l}`);
    if (p === 1) return m;
    if (p === 2) return this.node('Mul', [m, m], `h${l}`);
    return this.node('Pow', [m, this.scalar('p', p)], `h${l}`);
  }

  /** One [N, 1] output per name, split from the [N, m] tensor. */
  split(input: string, outputs: string[]): void {
    const sizes = this.tensor(
      'split_sizes',
      TensorProto_DataType.INT64,
      [outputs.length],
      new BigInt64Array(outputs.length).fill(1n),
    );
    this.nodes.push({
      opType: 'Split',
      input: [input, sizes],
      output: outputs,
      name: `${INTERNAL}Split:outputs`,
      attribute: [{ name: 'axis', type: AttributeProto_AttributeType.INT, i: 1n }],
    });
  }

  /** A constant of the graph's element type (float64 values rounded to float32 for a float32 graph). */
  initializer(name: string, dims: number[], values: ArrayLike<number>): string {
    const data = this.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
    return this.tensor(name, this.elemType, dims, data);
  }

  vector(name: string, values: ArrayLike<number>): string {
    return this.initializer(name, [values.length], values);
  }

  /** A scalar constant, added once. */
  scalar(name: string, value: number): string {
    const full = `${INTERNAL}${name}`;
    return this.initializers.some((t) => t.name === full) ? full : this.initializer(name, [], [value]);
  }

  /** A graph input or output: a [N, width] tensor of the element type, N free. */
  valueInfo(name: string, width: number): ValueInfo {
    const dim = [
      { value: { case: 'dimParam' as const, value: 'N' } },
      { value: { case: 'dimValue' as const, value: BigInt(width) } },
    ];
    return { name, type: { value: { case: 'tensorType', value: { elemType: this.elemType, shape: { dim } } } } };
  }

  build(inputs: ValueInfo[], outputs: ValueInfo[]): MessageInitShape<typeof GraphProtoSchema> {
    return { name: 'neuron-pursuit', node: this.nodes, initializer: this.initializers, input: inputs, output: outputs };
  }

  private tensor(
    name: string,
    dataType: TensorProto_DataType,
    dims: number[],
    values: Float64Array | Float32Array | BigInt64Array,
  ): string {
    const full = `${INTERNAL}${name}`;
    this.initializers.push({ name: full, dataType, dims: dims.map((d) => BigInt(d)), rawData: littleEndian(values) });
    return full;
  }
}

/** ONNX stores raw tensor data little-endian, whatever the machine. */
function littleEndian(values: Float64Array | Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(values.length * values.BYTES_PER_ELEMENT);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float64Array) view.setFloat64(i * 8, values[i]!, true);
    else if (values instanceof Float32Array) view.setFloat32(i * 4, values[i]!, true);
    else view.setBigInt64(i * 8, values[i]!, true);
  }
  return bytes;
}
