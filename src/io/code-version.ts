/**
 * The code that runs: the package version (read once, from package.json) and,
 * when the package is a git checkout, its commit, with `+dirty` when tracked
 * files differ from it. Stored runs and run folders record both, so results
 * can be told apart by commit. Node only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeVersion } from './run-format.js';

/** The package's root: dist/src/io/ is three levels below it. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

let commit: string | null | undefined;

/** The git commit of the package's own checkout (not of a repository it is installed into); null when there is none. */
export function gitCommit(): string | null {
  if (commit === undefined) {
    commit = null;
    if (existsSync(join(ROOT, '.git'))) {
      try {
        const git = (...args: string[]) =>
          execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        const head = git('rev-parse', 'HEAD').trim();
        let dirty = false;
        try {
          git('diff', '--quiet', 'HEAD', '--');
        } catch {
          dirty = true; // exit status 1: tracked files differ from HEAD
        }
        commit = dirty ? `${head}+dirty` : head;
      } catch {
        commit = null; // no git, or not a repository after all
      }
    }
  }
  return commit;
}

/** The version fields a stored run or a run folder records. */
export function codeVersion(): CodeVersion {
  const c = gitCommit();
  return { codeVersion: PACKAGE_VERSION, ...(c ? { codeCommit: c } : {}) };
}
