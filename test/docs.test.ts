/**
 * The documentation cannot drift from the code: every code block of README.md and docs/*.md whose info string says
 * `runnable` runs (sh with bash and the built CLI, ts type-checked against the built declarations and run by Node,
 * python with Debian's python3 and python/ on the path), every relative link resolves to a file (and its #anchor to a
 * heading there), the README stays a front page that links every page of docs/, and its reproduction numbers are
 * REPRODUCTION.md's (docs/development.md).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { CLI } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url)); // the repository (this file runs from dist/test)
const DOCS = join(ROOT, 'docs');
const PAGES = [
  'README.md',
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const RUNNABLE_LANGUAGES = ['sh', 'ts', 'python'] as const;
type Language = (typeof RUNNABLE_LANGUAGES)[number];

interface CodeBlock {
  page: string;
  line: number; // 1-based line of the opening fence
  end: number; // 1-based line of the closing fence
  info: string[];
  body: string;
}

/** The fenced code blocks of a Markdown text, with their info strings split into words. */
function codeBlocks(page: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  let open: { fence: string; indent: number; line: number; info: string[]; body: string[] } | undefined;
  lines.forEach((line, i) => {
    const fence = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(line);
    if (open) {
      if (fence && fence[2]!.startsWith(open.fence) && fence[3]!.trim() === '') {
        blocks.push({ page, line: open.line, end: i + 1, info: open.info, body: open.body.join('\n') });
        open = undefined;
      } else open.body.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
    } else if (fence) {
      open = { fence: fence[2]!, indent: fence[1]!.length, line: i + 1, info: fence[3]!.trim().split(/\s+/), body: [] };
    }
  });
  assert.equal(open, undefined, `${page}: the code block opened at line ${open?.line} is never closed`);
  return blocks;
}

/** The text of a page with its code blocks and inline code removed: what links and headings are read from. */
function prose(page: string, text: string): string {
  const lines = text.split('\n');
  for (const block of codeBlocks(page, text)) for (let i = block.line - 1; i < block.end; i++) lines[i] = '';
  // Inline code may span lines: its line breaks stay, so that line numbers still match the page's.
  return lines.join('\n').replace(/(?<!`)(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, (code) => code.replace(/[^\n]/g, ''));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
function anchors(page: string, text: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  const withCode = text.split('\n');
  const plain = prose(page, text).split('\n');
  plain.forEach((line, i) => {
    if (!/^#{1,6}\s/.test(line)) return;
    const heading = withCode[i]!.replace(/^#{1,6}\s+/, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  });
  return found;
}

const text = (page: string) => readFileSync(join(ROOT, page), 'utf8');
/** Debian's, with NumPy, scikit-learn and pandas (scripts/install-python.sh). */
const PYTHON = '/usr/bin/python3';

describe('the documentation', () => {
  it('keeps the README a front page that links every page of docs/', () => {
    const readme = text('README.md');
    const lines = readme.split('\n').length;
    assert.ok(lines <= 300, `README.md has ${lines} lines; the measurements and guides belong in docs/`);
    const linked = new Set([...prose('README.md', readme).matchAll(/\]\(([^)#\s]+)/g)].map((m) => m[1]));
    const unlinked = PAGES.filter((page) => page !== 'README.md' && !linked.has(page));
    assert.deepEqual(unlinked, [], 'pages of docs/ the README does not link');
    for (const language of RUNNABLE_LANGUAGES) {
      const runnable = codeBlocks('README.md', readme).filter((b) => b.info[0] === language && isRunnable(b));
      assert.ok(runnable.length > 0, `README.md has no runnable ${language} example`);
    }
  });

  it("quotes the reproduction's verdicts and its size as REPRODUCTION.md (generated) states them", () => {
    const readme = text('README.md').replace(/\s+/g, ' ');
    const page = text('results/paper/REPRODUCTION.md');
    const header = page.match(
      new RegExp(
        String.raw`(\d+) of its (\d+) points have finished, ([\d.]+) h of CPU time .* ` +
          String.raw`Verdicts: (\d+) ✓, (\d+) ✗, (\d+) inconclusive`,
      ),
    );
    assert.ok(header, 'REPRODUCTION.md states its runs, CPU time and verdicts');
    const [, finished, , hours, holds, fails, open] = header;
    const quoted = readme.match(
      new RegExp(
        String.raw`full grid \((\d+) runs, .*?([\d.]+) h of CPU time.*?` +
          String.raw`\*\*(\d+) of the paper's (\d+) claims hold and (\d+) do not\*\*`,
      ),
    );
    assert.ok(quoted, "README.md states the reproduction's answer");
    const total = Number(holds) + Number(fails) + Number(open);
    assert.deepEqual(quoted.slice(1), [finished, hours, holds, String(total), fails]);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of PAGES) {
      for (const m of prose(page, text(page)).matchAll(/\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto: — outside the repository
        checked++;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const file = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), decodeURI(path));
        if (!file.startsWith(ROOT) || !existsSync(file)) {
          broken.push(`${page}: ${target} (no file ${relative(ROOT, file)})`);
        } else if (anchor !== undefined && file.endsWith('.md')) {
          const rel = relative(ROOT, file);
          if (!anchors(rel, readFileSync(file, 'utf8')).has(decodeURIComponent(anchor))) {
            broken.push(`${page}: ${target} (no heading #${anchor} in ${rel})`);
          }
        }
      }
    }
    assert.ok(checked > 40, `only ${checked} links found`);
    assert.deepEqual(broken, []);
  });

  it('shows measured tables only as copies of the generated ones (scripts/sync-doc-tables.mjs)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'sync-doc-tables.mjs'), '--check'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}run \`node scripts/sync-doc-tables.mjs\``);
    const blocks = PAGES.map((p) => readFileSync(join(ROOT, p), 'utf8').match(/<!-- table: /g)?.length ?? 0);
    assert.ok(blocks.reduce((a, b) => a + b, 0) >= 1, 'no generated table found in the docs');
  });

  it('finds anchors as GitHub makes them', () => {
    const found = anchors(
      'x.md',
      '# A title\n## §13 Your own data: intercept\n```sh\n# not a heading\n```\n## A title\n',
    );
    assert.deepEqual([...found], ['a-title', '13-your-own-data-intercept', 'a-title-1']);
  });
});

function isRunnable(block: CodeBlock): boolean {
  return block.info.slice(1).includes('runnable');
}

const runnable = PAGES.flatMap((page) =>
  codeBlocks(page, text(page)).filter((block) => isRunnable(block) && block.info[0] !== undefined),
);
const work = mkdtempSync(join(tmpdir(), 'np-docs-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The folder a page's blocks run in, one after another, so a later block reads what an earlier one wrote. */
function folderOf(page: string): string {
  const dir = join(work, page.replace(/[/.]/g, '_'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

// `npx neuron-pursuit` and `neuron-pursuit` run the built CLI (what `npx` finds where the package is installed).
const BIN = join(work, 'bin');
mkdirSync(BIN);
writeFileSync(join(BIN, 'neuron-pursuit'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });
const SH_PRELUDE =
  'npx() { if [ "$1" = neuron-pursuit ]; then shift; neuron-pursuit "$@"; else command npx "$@"; fi; }\n';

/** `import … from 'neuron-pursuit'` as a user's program has it, resolved to this build. */
const PACKAGE_ENTRIES: Record<string, string> = {
  'neuron-pursuit': join(ROOT, 'dist/src/index'),
  'neuron-pursuit/native': join(ROOT, 'dist/src/native/kernels-native'),
};

function run(block: CodeBlock, command: string, args: string[]): void {
  const env = {
    ...process.env,
    PATH: `${BIN}:${process.env.PATH}`,
    PYTHONPATH: join(ROOT, 'python'),
    PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ left in python/
  };
  const r = spawnSync(command, args, { cwd: folderOf(block.page), env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(
    r.status,
    0,
    `${block.page}:${block.line} (${block.info.join(' ')}) exited ${r.status ?? r.signal}\n` +
      `--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
  );
}

function scriptPath(block: CodeBlock, extension: string): string {
  return join(folderOf(block.page), `.block-${block.line}.${extension}`);
}

describe('the runnable code blocks', () => {
  it('are there, and each in a language the test runs', () => {
    assert.ok(runnable.length >= 5, `only ${runnable.length} runnable blocks`);
    const unknown = runnable.filter((b) => !(RUNNABLE_LANGUAGES as readonly string[]).includes(b.info[0]!));
    assert.deepEqual(
      unknown.map((b) => `${b.page}:${b.line} ${b.info[0]}`),
      [],
      `runnable blocks must be ${RUNNABLE_LANGUAGES.join(', ')}`,
    );
  });

  it('type-check: every ts block against the built declarations', () => {
    const blocks = runnable.filter((b) => b.info[0] === 'ts');
    const files = blocks.map((b) => {
      const file = scriptPath(b, 'ts');
      writeFileSync(file, b.body);
      return file;
    });
    const paths = Object.fromEntries(Object.entries(PACKAGE_ENTRIES).map(([name, entry]) => [name, [`${entry}.d.ts`]]));
    const program = ts.createProgram(files, {
      strict: true,
      noUncheckedIndexedAccess: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      paths,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
      skipLibCheck: true,
      noEmit: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return message;
      const block = blocks[files.indexOf(d.file.fileName)];
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${block ? `${block.page}:${block.line + 1 + line}` : d.file.fileName}: ${message}`;
    });
    assert.deepEqual(problems, []);
  });

  for (const block of runnable) {
    const language = block.info[0] as Language;
    it(`${block.page}:${block.line} (${language})`, () => {
      if (language === 'sh') {
        run(block, 'bash', ['-euo', 'pipefail', '-c', SH_PRELUDE + block.body]);
      } else if (language === 'python') {
        const file = scriptPath(block, 'py');
        writeFileSync(file, block.body);
        run(block, PYTHON, [file]);
      } else {
        const js = ts.transpileModule(block.body, {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        }).outputText;
        const resolved = js.replace(
          /((?:from|import)\s*)(['"])(neuron-pursuit(?:\/native)?)\2/g,
          (_m, keyword: string, _q: string, name: string) =>
            `${keyword}${JSON.stringify(pathToFileURL(`${PACKAGE_ENTRIES[name]!}.js`).href)}`,
        );
        const file = scriptPath(block, 'mjs');
        writeFileSync(file, resolved);
        run(block, process.execPath, [file]);
      }
    });
  }
});
