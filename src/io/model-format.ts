/**
 * The model format (model.json, and the `model` of a stored run): a network's
 * activation, widths and weights, with the CSV column names it was trained on
 * when it was. The one writer and the one reader, checked by a zod schema.
 * Browser-safe: no file access here (src/io/run-folder.ts reads and writes files).
 */
import { z } from 'zod';
import { type Activation, makeActivation } from '../model/activation.js';
import { Network } from '../model/network.js';

export const MODEL_FORMAT = 'neuron-pursuit-model';
export const MODEL_FORMAT_VERSION = 1;

const version = MODEL_FORMAT_VERSION;
const sizes = 'widths must be a list of at least 3 positive integers';
const activationFields = 'activation must have a name, p and alpha';

export const modelSchema = z
  .object(
    {
      format: z.literal(MODEL_FORMAT, {
        error: (issue) => `format is ${JSON.stringify(issue.input)}, expected "${MODEL_FORMAT}"`,
      }),
      version: z.literal(MODEL_FORMAT_VERSION, {
        error: (issue) =>
          `format version ${JSON.stringify(issue.input)} is not supported (this build reads version ${version})`,
      }),
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
    },
    { error: 'not a JSON object' },
  )
  .superRefine((model, ctx) => {
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
    for (const [field, count] of [
      ['features', widths[0]!],
      ['targets', widths.at(-1)!],
    ] as const) {
      const names = model[field];
      if (names && names.length !== count)
        ctx.addIssue({ code: 'custom', message: `${field} must name ${count} columns`, path: [field] });
    }
  });

/** A model as saved. */
export type ModelJSON = z.output<typeof modelSchema>;

/** The CSV column names of a model's inputs and outputs. */
export interface ModelColumns {
  features: string[];
  targets: string[];
}

/** The saved form of a network (and of the CSV columns it was trained on, when given). */
export function modelToJson(network: Network, columns?: ModelColumns): ModelJSON {
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
  };
}

/** Rebuild a network (and its column names) from its saved form, checking every field. */
export function modelFromJson(value: unknown): { network: Network } & Partial<ModelColumns> {
  const parsed = modelSchema.safeParse(value);
  if (!parsed.success) {
    const { path, message } = parsed.error.issues[0]!;
    const where = path[0] === 'layers' && typeof path[1] === 'number' ? `layer ${path[1] + 1} ` : '';
    throw new Error(`invalid model file: ${where}${message}`);
  }
  const { activation: a, widths, layers, features, targets } = parsed.data;
  let activation: Activation;
  try {
    activation = makeActivation(a.name === 'custom' ? a : { name: a.name, alpha: a.alpha, p: a.p });
  } catch (err) {
    throw new Error(`invalid model file: ${(err as Error).message}`);
  }
  if (activation.p !== a.p || activation.alpha !== a.alpha) {
    throw new Error(`invalid model file: activation ${a.name} does not have p = ${a.p}, alpha = ${a.alpha}`);
  }
  return {
    network: new Network(widths, activation, layers.flat()),
    ...(features ? { features } : {}),
    ...(targets ? { targets } : {}),
  };
}
