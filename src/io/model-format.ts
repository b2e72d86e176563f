/**
 * The model format (model.json, and the `model` of a stored run): a network's
 * activation, widths and weights, with the CSV column names it was trained on
 * when it was, and the preprocessing its predictions go through
 * (src/model/preprocessing.ts). The one writer and the one reader, checked by
 * a zod schema. Browser-safe: no file access here (src/io/run-folder.ts reads
 * and writes files).
 *
 * Versions: 1 has no preprocessing; 2 adds the optional `preprocessing` field. A
 * reader of version 1 would ignore that field and predict wrongly, hence the new
 * version; this build writes 2 and reads both.
 */
import { z } from 'zod';
import type { Matrix, MatrixLike } from '../linalg/matrix.js';
import { type Activation, makeActivation } from '../model/activation.js';
import { Network } from '../model/network.js';
import { type Preprocessing, featureCount, predictRaw } from '../model/preprocessing.js';

export const MODEL_FORMAT = 'neuron-pursuit-model';
export const MODEL_FORMAT_VERSION = 2;
/** The versions this build reads. */
const READABLE_VERSIONS = [1, 2] as const;

const sizes = 'widths must be a list of at least 3 positive integers';
const activationFields = 'activation must have a name, p and alpha';
const finite = (what: string) => z.number({ error: `${what} must be finite numbers` }).finite();

/** `Preprocessing` as saved (the type annotation keeps the two alike). */
const preprocessingSchema: z.ZodType<Preprocessing, unknown> = z.object(
  {
    intercept: z.boolean({ error: 'preprocessing.intercept must be true or false' }),
    featureMean: z.array(finite('featureMean')).optional(),
    featureScale: z.array(finite('featureScale').positive({ error: 'featureScale must be positive' })).optional(),
    targetMean: z.array(finite('targetMean')).optional(),
    targetScale: z.array(finite('targetScale').positive({ error: 'targetScale must be positive' })).optional(),
  },
  { error: 'preprocessing must be an object' },
);

export const modelSchema = z
  .object(
    {
      format: z.literal(MODEL_FORMAT, {
        error: (issue) => `format is ${JSON.stringify(issue.input)}, expected "${MODEL_FORMAT}"`,
      }),
      version: z.union(
        READABLE_VERSIONS.map((v) => z.literal(v)),
        {
          error: (issue) =>
            `format version ${JSON.stringify(issue.input)} is not supported ` +
            `(this build reads versions ${READABLE_VERSIONS.join(' and ')})`,
        },
      ),
      activation: z.object(
        {
          name: z.string({ error: activationFields }),
          p: z.number({ error: activationFields }),
          alpha: z.number({ error: activationFields }),
        },
        { error: activationFields },
      ),
      /** [d, k_1, …, k_{L−1}, m] */
      widths: z
        .array(z.number({ error: sizes }).int({ error: sizes }).positive({ error: sizes }), { error: sizes })
        .min(3, { error: sizes }),
      /** Layer l (1-based) at index l − 1, row-major k_l × k_{l−1}. */
      layers: z.array(z.array(z.number({ error: 'holds a non-finite weight' }))),
      /** The CSV columns of the inputs, in order, and of the outputs (models trained on CSV data). */
      features: z.array(z.string()).optional(),
      targets: z.array(z.string()).optional(),
      /** What raw inputs go through before the network, and its outputs after it (version 2). */
      preprocessing: preprocessingSchema.optional(),
    },
    { error: 'not a JSON object' },
  )
  .superRefine((model, ctx) => {
    const issue = (message: string, field: string) => ctx.addIssue({ code: 'custom', message, path: [field] });
    const { widths, layers } = model;
    if (layers.length !== widths.length - 1) {
      ctx.addIssue({ code: 'custom', message: `expected ${widths.length - 1} layers`, path: ['layers'] });
      return;
    }
    layers.forEach((layer, i) => {
      const expected = widths[i + 1]! * widths[i]!;
      if (layer.length !== expected)
        ctx.addIssue({ code: 'custom', message: `layer ${i + 1} must hold ${expected} weights`, path: ['layers'] });
    });
    const p = model.preprocessing;
    if (p && model.version < 2) issue('preprocessing needs format version 2', 'preprocessing');
    const d = featureCount(widths[0]!, p),
      m = widths.at(-1)!;
    if (d < 1) issue('an intercept needs a network of at least 2 inputs', 'preprocessing');
    for (const [field, count] of [
      ['features', d],
      ['targets', m],
    ] as const) {
      const names = model[field];
      if (names && names.length !== count) issue(`${field} must name ${count} columns`, field);
    }
    for (const [field, count] of [
      ['featureMean', d],
      ['featureScale', d],
      ['targetMean', m],
      ['targetScale', m],
    ] as const) {
      const values = p?.[field];
      if (values && values.length !== count) issue(`preprocessing.${field} must hold ${count} values`, 'preprocessing');
    }
    if (p && (p.featureMean === undefined) !== (p.featureScale === undefined))
      issue('preprocessing needs featureMean and featureScale together', 'preprocessing');
    if (p && (p.targetMean === undefined) !== (p.targetScale === undefined))
      issue('preprocessing needs targetMean and targetScale together', 'preprocessing');
  });

/** A model as saved. */
export type ModelJSON = z.output<typeof modelSchema>;

/** The CSV column names of a model's inputs and outputs. */
export interface ModelColumns {
  features: string[];
  targets: string[];
}

/** A model read back: its network, column names and preprocessing, and `predict` for raw features. */
export interface LoadedModel extends Partial<ModelColumns> {
  network: Network;
  preprocessing?: Preprocessing;
  /** Predictions for raw features (in the order of `features`): preprocessing, the network, the targets restored. */
  predict(X: MatrixLike): Matrix;
}

/** The saved form of a network, with the CSV columns it was trained on and its preprocessing, when given. */
export function modelToJson(network: Network, columns?: ModelColumns, preprocessing?: Preprocessing): ModelJSON {
  const layers: number[][] = [];
  for (let l = 1; l <= network.depth; l++) layers.push(Array.from(network.layer(l).data));
  const { name, p, alpha } = network.activation;
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    activation: { name, p, alpha },
    widths: [...network.widths],
    layers,
    ...(columns ? { features: columns.features, targets: columns.targets } : {}),
    ...(preprocessing ? { preprocessing } : {}),
  };
}

/** Rebuild a model from its saved form, checking every field. */
export function modelFromJson(value: unknown): LoadedModel {
  const parsed = modelSchema.safeParse(value);
  if (!parsed.success) {
    const { path, message } = parsed.error.issues[0]!;
    const where = path[0] === 'layers' && typeof path[1] === 'number' ? `layer ${path[1] + 1} ` : '';
    throw new Error(`invalid model file: ${where}${message}`);
  }
  const { activation: a, widths, layers, features, targets, preprocessing } = parsed.data;
  let activation: Activation;
  try {
    activation = makeActivation(a.name === 'custom' ? a : { name: a.name, alpha: a.alpha, p: a.p });
  } catch (err) {
    throw new Error(`invalid model file: ${(err as Error).message}`);
  }
  if (activation.p !== a.p || activation.alpha !== a.alpha) {
    throw new Error(`invalid model file: activation ${a.name} does not have p = ${a.p}, alpha = ${a.alpha}`);
  }
  const network = new Network(widths, activation, layers.flat());
  return {
    network,
    ...(features ? { features } : {}),
    ...(targets ? { targets } : {}),
    ...(preprocessing ? { preprocessing } : {}),
    predict: (X) => predictRaw((x) => network.forward(x), network.inputDim, preprocessing, X),
  };
}
