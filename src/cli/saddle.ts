/** `neuron-pursuit saddle`: GD from near a saddle built by NP's first iteration (paper Figs 1–4). */
import { Command } from 'commander';
import { SADDLE_DEFAULTS, type SaddleOptions, type SaddleVerdict, runSaddleLab } from '../lab/saddle.js';
import { ACTIVATION_NAMES, makeActivation } from '../model/activation.js';
import { getTask, taskData } from '../tasks/tasks.js';
import { type FigureSpec, renderFigure } from '../report/figure.js';
import { htmlFields, htmlPage, type PageSection } from '../report/html.js';
import { saddleAlignmentFigure, saddleDistancesFigure, saddleHeatmapFigure } from '../report/saddle-figures.js';
import { checkDestination, writeFilesAtomic } from '../io/files.js';
import { choice, integer, number, positiveInteger } from './options.js';
import { TIE_RULES, type TieRule } from '../ncf/candidates.js';

export function saddleCommand(): Command {
  return new Command('saddle')
    .description('escape from a saddle point: alignment with the NCF, sparsity of the escape (paper Figs 1–4)')
    .option('--activation <name>', 'square, relu, leaky-relu, squared-relu, …', 'square')
    .option('--alpha <a>', 'negative slope for leaky-relu', number)
    .option('--task <name>', 'data for the saddle', 'gaussian-f1')
    .option('--samples <n>', 'training points', positiveInteger, 400)
    .option('--depth <L>', `layers${byActivation('depth')}`, integer)
    .option('--width <k>', `neurons per hidden layer of the wide network${byActivation('width')}`, positiveInteger)
    .option('--steps <N>', `GD steps from the perturbed saddle${byActivation('steps')}`, positiveInteger)
    .option('--lr <eta>', `GD step${byActivation('lr')}`, number)
    .option('--perturbation <eps>', `initial ‖w_z‖${byActivation('perturbation')}`, number)
    .option('--points <k>', `log-spaced records${byActivation('points')}`, positiveInteger)
    .option(
      '--zero-slope <rule>',
      `σ′ at ties for the NCF the alignment is measured against: ${TIE_RULES.join(', ')}`,
      choice(TIE_RULES),
      'low',
    )
    .option('--seed <s>', 'seed of the data, the saddle and the perturbation', integer, 0)
    .option('--out <dir>', 'write figures (SVG, PNG), saddle.html, trace.json and verdict.json here')
    .option('--json', 'print the verdict as JSON, nothing else')
    .option('--quiet', 'no progress on stderr')
    .action(async (opts: Record<string, unknown>) => {
      if (typeof opts.out === 'string') checkDestination(opts.out, 'folder');
      // reject a bad name before any work (a custom activation, which needs --p, too)
      const checked = makeActivation({ name: String(opts.activation), alpha: opts.alpha as number | undefined });
      const activation = ACTIVATION_NAMES.find((name) => name === checked.name);
      if (activation === undefined) throw new Error('the saddle lab takes a preset activation');
      const base = SADDLE_DEFAULTS[defaultsOf(activation)];
      const options: SaddleOptions = {
        ...base,
        activation,
        tieRule: opts.zeroSlope as TieRule,
        seed: opts.seed as number,
      };
      if (opts.alpha !== undefined) options.alpha = opts.alpha as number;
      for (const key of ['depth', 'width', 'steps', 'lr', 'perturbation', 'points'] as const) {
        if (opts[key] !== undefined) options[key] = opts[key] as number;
      }
      if (options.depth < 2) throw new Error('--depth must be at least 2');
      if (options.width < 2) throw new Error('--width must be at least 2');
      if (!(options.lr > 0) || !(options.perturbation > 0)) throw new Error('--lr and --perturbation must be positive');
      const task = getTask(opts.task as string);
      const { train } = taskData(task, options.seed, { samples: opts.samples as number, testSamples: 0 });
      const showProgress = !opts.quiet && process.stderr.isTTY === true;
      const result = runSaddleLab(
        train.X,
        train.Y,
        options,
        showProgress ? (s, total) => process.stderr.write(`\rGD step ${s}/${total}`) : undefined,
      );
      if (showProgress) process.stderr.write('\r\x1b[K');
      if (typeof opts.out === 'string') {
        const figures: [name: string, title: string, spec: FigureSpec][] = [
          ['loss-distances', 'Loss and distances from the saddle', saddleDistancesFigure(result)],
          ['alignment', 'Alignment of the zero neurons with the NCF direction', saddleAlignmentFigure(result)],
          [
            'wz-heatmaps',
            'Weights of the zero neurons |w_z|: start, first plateau, next plateau',
            saddleHeatmapFigure(result),
          ],
        ];
        const files: Record<string, string | Uint8Array> = {};
        const sections: PageSection[] = [
          { title: 'Verdict', text: verdictFields(options, result.verdict), html: true },
          { title: 'Settings', text: settingsFields(task.name, train.X.rows, options), html: true },
        ];
        for (const [name, title, spec] of figures) {
          const { svg, png } = await renderFigure(spec);
          files[`${name}.svg`] = svg;
          files[`${name}.png`] = png;
          sections.push({ title, svg });
        }
        files['saddle.html'] = htmlPage(
          `Saddle dynamics — ${activation}`,
          sections,
          verdictLine(options, result.verdict),
        );
        files['trace.json'] = `${JSON.stringify(result.trace)}\n`;
        files['verdict.json'] = `${JSON.stringify({ options, ...result.verdict }, null, 2)}\n`;
        writeFilesAtomic(opts.out, files);
      }
      const wrote = typeof opts.out === 'string' ? `\nwrote ${opts.out}/saddle.html and figures` : '';
      if (opts.json) process.stdout.write(`${JSON.stringify(result.verdict)}\n`);
      else process.stdout.write(`${verdictLine(options, result.verdict)}${wrote}\n`);
    });
}

/** Which of the lab's default sets an activation takes: 'square' for p = 2, 'relu' for the rest. */
function defaultsOf(activation: string): keyof typeof SADDLE_DEFAULTS {
  return activation === 'square' || activation === 'squared-relu' ? 'square' : 'relu';
}

/** The help's default of a setting that depends on the activation: ' (default: 3)', or one per default set. */
function byActivation(key: 'depth' | 'width' | 'steps' | 'lr' | 'perturbation' | 'points'): string {
  const square = SADDLE_DEFAULTS.square[key],
    relu = SADDLE_DEFAULTS.relu[key];
  if (square === relu) return ` (default: ${square})`;
  return ` (default: ${square} for square and squared-relu, ${relu} for the others)`;
}

export function verdictLine(o: SaddleOptions, v: SaddleVerdict): string {
  const neurons = v.activeNeurons.map((n) => `${n.layer}:${n.index}`).join(' ') || 'none';
  const ratios = v.inOutRatios.map((r) => r.toFixed(3)).join(' ');
  return (
    `${o.activation}: alignment before escape ${v.alignmentBeforeEscape.toFixed(3)}, ` +
    `escape at step ${v.escapeStep ?? 'none'}, next plateau at step ${v.nextPlateauStep ?? 'none'}, ` +
    `active neurons ${neurons}, sparsity kept: ${v.sparsityKept ? 'yes' : 'no'}` +
    (ratios ? `, ‖in‖²/‖out‖² ${ratios} (Lemma 9: ${v.p})` : '')
  );
}

/** The verdict as a table: what escaped, when, and whether the sparsity the NCF predicts was kept. */
function verdictFields(o: SaddleOptions, v: SaddleVerdict): string {
  const neurons = (list: { layer: number; index: number }[]) =>
    list.map((n) => `layer ${n.layer}, neuron ${n.index}`).join('; ') || 'none';
  return htmlFields([
    ['loss at the saddle', v.saddleLoss.toExponential(3)],
    ['alignment cos(w_z, ∇N) before the escape', v.alignmentBeforeEscape.toFixed(3)],
    [
      'escape (loss 1 % below the saddle’s)',
      v.escapeStep === null ? 'none' : `step ${v.escapeStep.toLocaleString('en-US')}`,
    ],
    ['next plateau', v.nextPlateauStep === null ? 'none' : `step ${v.nextPlateauStep.toLocaleString('en-US')}`],
    ['neurons carrying the direction on the first plateau', neurons(v.patternAtEscape)],
    ['neurons that grew', neurons(v.activeNeurons)],
    ['sparsity kept', v.sparsityKept ? 'yes: the neurons that grew are those of the first plateau' : 'no'],
    [`‖in‖²/‖out‖² of the grown neurons (Lemma 9: ${v.p})`, v.inOutRatios.map((r) => r.toFixed(3)).join(', ') || '—'],
    ['activation', o.activation],
  ]);
}

/** The lab's settings as a table. */
function settingsFields(task: string, n: number, o: SaddleOptions): string {
  return htmlFields([
    ['data', `${task}, n = ${n}, seed ${o.seed}`],
    [
      'network',
      `depth ${o.depth}, width ${o.width}, ${o.activation}${o.alpha !== undefined ? ` (α = ${o.alpha})` : ''}`,
    ],
    ['GD', `η = ${o.lr}, ${o.steps.toLocaleString('en-US')} steps`],
    ['initial ‖w_z‖', String(o.perturbation)],
    ['σ′ at ties', o.tieRule ?? 'low'],
  ]);
}
