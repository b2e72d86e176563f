/** Reading input files with one-line errors, and writing results without ever leaving a half-written file behind. */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

/** Write to a temporary file beside the target, then rename over it. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Write several files into `dir` as one unit: they are staged in a temporary
 * folder beside it and renamed in only when all of them are written.
 */
export function writeFilesAtomic(dir: string, files: Record<string, string | Uint8Array>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `.${basename(dir)}.tmp-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(staging, name), content);
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(staging)) renameSync(join(staging, name), join(dir, name));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
