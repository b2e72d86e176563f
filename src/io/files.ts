/** Reading input files with one-line errors, and writing results without ever leaving a half-written file behind. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type Table, delimiterFor, parseCsv } from './csv.js';

/** A text file's contents; a missing or unreadable file is one line naming it. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(err as Error).message}`);
  }
}

/** A CSV or TSV file's table; the delimiter defaults to the one its name suggests (`delimiterFor`). */
export function readCsvFile(path: string, delimiter = delimiterFor(path)): Table {
  return parseCsv(readText(path), path, { delimiter });
}

/** A JSON file's value; invalid JSON is one line naming the file, prefixed by `what` ('invalid model file'). */
export function readJson(path: string, what?: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what ? `${what}: ` : ''}${path} is not valid JSON`);
  }
}

/** A file system error as one line in words, naming `path` (never errno text like `ENOENT: … mkdir '…'`). */
export function inWords(err: unknown, path: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: `${path}: a folder on its path does not exist or cannot hold files`,
    EACCES: `${path}: permission denied`,
    EPERM: `${path}: the system does not allow writing here`,
    EROFS: `${path}: the file system is read-only`,
    ENOSPC: `${path}: no space left on the device`,
    EDQUOT: `${path}: the disk quota is used up`,
    ENOTDIR: `${path}: part of its path is a file, not a folder`,
    EISDIR: `${path} is a folder, not a file`,
    ENAMETOOLONG: `${path}: the name is too long`,
  };
  return new Error(words[code ?? ''] ?? `${path}: ${(err as Error).message}`);
}

/**
 * Check, before any work, that `path` can be written as a file or created as a folder: what is there already
 * has the right kind, and the nearest existing folder on its path accepts new entries (a probe folder is made
 * and removed there). Throws one line in words saying what is wrong.
 */
export function checkDestination(path: string, kind: 'file' | 'folder'): void {
  if (existsSync(path)) {
    const isFolder = statSync(path).isDirectory();
    if (kind === 'folder' && !isFolder) throw new Error(`${path} is a file, not a folder`);
    if (kind === 'file' && isFolder) throw new Error(`${path} is a folder, not a file`);
  }
  let nearest = kind === 'folder' && existsSync(path) ? path : dirname(resolve(path));
  while (!existsSync(nearest)) nearest = dirname(nearest);
  if (!statSync(nearest).isDirectory()) throw new Error(`cannot write ${path}: ${nearest} is a file, not a folder`);
  let probe: string;
  try {
    probe = mkdtempSync(join(nearest, '.neuron-pursuit-probe-'));
  } catch (err) {
    const reasons: Record<string, string> = {
      EACCES: 'permission denied',
      EPERM: 'not permitted',
      EROFS: 'a read-only file system',
      ENOENT: 'its file system refuses them',
      ENOSPC: 'no space left on the device',
      EDQUOT: 'the disk quota is used up',
    };
    const why = reasons[(err as NodeJS.ErrnoException).code ?? ''] ?? (err as Error).message;
    throw new Error(`cannot write ${path}: ${nearest} does not accept new files (${why})`);
  }
  rmdirSync(probe);
}

/** Write to a temporary file beside the target, then rename over it. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw inWords(err, path);
  }
}

/**
 * Write several files into `dir` as one unit: they are staged in a temporary
 * folder beside it and renamed in only when all of them are written.
 */
export function writeFilesAtomic(dir: string, files: Record<string, string | Uint8Array>): void {
  const parent = dirname(dir);
  const staging = join(parent, `.${basename(dir)}.tmp-${process.pid}`);
  try {
    mkdirSync(parent, { recursive: true });
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(staging, name), content);
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(staging)) renameSync(join(staging, name), join(dir, name));
  } catch (err) {
    throw inWords(err, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
