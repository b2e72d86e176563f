/** Reading input files with one-line errors, and writing results without ever leaving a half-written file behind. */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  statfsSync,
  writeSync,
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

/**
 * A file system error in words (`inWords`), keeping the system's code (ENOSPC, EROFS, …) so that a caller can add
 * what to do about it (`train` says how to resume, `sweep` that its stored runs are kept).
 */
export class FileSystemError extends Error {
  override name = 'FileSystemError';

  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }

  /** What makes the destination writable again, for advice: room on the disk, or the right to write. */
  get remedy(): string {
    if (this.code === 'ENOSPC' || this.code === 'EDQUOT') return 'once there is room on the disk again';
    if (this.code === 'EROFS') return 'once the file system is writable again';
    return 'once it can be written again';
  }
}

/** A file system error as one line in words, naming `path` (never errno text like `ENOENT: … mkdir '…'`). */
export function inWords(err: unknown, path: string): FileSystemError {
  if (err instanceof FileSystemError) return err;
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
    EIO: `${path}: the disk failed to read or write (an input/output error)`,
  };
  return new FileSystemError(words[code ?? ''] ?? `${path}: ${(err as Error).message ?? code}`, code);
}

/**
 * Why nothing can be written beside `path` (in its folder, or the nearest folder on its path that exists), when
 * the file system says: its code ('ENOSPC', 'EROFS', 'EACCES', …), found by making and removing a probe folder
 * there and asking how many blocks are free; undefined when both work. For errors that lost the system's code on
 * the way (SQLite's "disk I/O error"); a file system that ext4 turned read-only after an error still looks
 * writable to access(2), so it is tried.
 */
export function fileSystemTrouble(path: string): string | undefined {
  let folder = dirname(resolve(path));
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  const refused = probeFolder(folder);
  if (refused) return refused;
  try {
    if (statfsSync(folder).bavail === 0) return 'ENOSPC';
  } catch {
    // no answer: no reason to give
  }
  return undefined;
}

/** Make and remove a folder in `folder`: undefined if that works, else the system's code for why not. */
function probeFolder(folder: string): string | undefined {
  let probe: string;
  try {
    probe = mkdtempSync(join(folder, '.neuron-pursuit-probe-'));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EIO';
  }
  removeQuietly(probe);
  return undefined;
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
  const refused = probeFolder(nearest);
  if (refused) {
    const reasons: Record<string, string> = {
      EACCES: 'permission denied',
      EPERM: 'not permitted',
      EROFS: 'a read-only file system',
      ENOENT: 'its file system refuses them',
      ENOSPC: 'no space left on the device',
      EDQUOT: 'the disk quota is used up',
    };
    throw new Error(`cannot write ${path}: ${nearest} does not accept new files (${reasons[refused] ?? refused})`);
  }
}

/** Remove what a failed write left behind, if the file system lets us (a read-only one does not): never throws. */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // left for the next write of the same file (`removeLeftovers`)
  }
}

/** The temporary name `writeFileAtomic` and `writeFilesAtomic` write `path` under before renaming it into place. */
const temporaryName = (path: string) => join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);

/**
 * Remove the temporary files or folders an earlier, failed write of `path` left beside it (one whose clean-up
 * the file system refused: it had turned read-only). Only for a path this process alone writes (a run folder
 * being resumed); never throws.
 */
export function removeLeftovers(path: string): void {
  const prefix = `.${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(prefix)) removeQuietly(join(dirname(path), name));
}

/**
 * Write a file and flush it to the disk, so that a rename that follows never points at blocks that were not
 * written (a crash, or a disk that turns read-only, then leaves the old file or the new one, never an empty one;
 * the folder is not flushed: at worst the rename is what is lost).
 */
function writeDurably(path: string, content: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write to a temporary file beside the target, flushed to the disk, then rename it over the target: the target
 * is the old file or the new one, whole, whatever happens (a full disk, a file system turned read-only, a kill).
 * The flush costs a few milliseconds a file.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = temporaryName(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeDurably(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw inWords(err, path);
  }
}

/**
 * Write several files into `dir` as one unit: they are staged in a temporary folder beside it and renamed in, in
 * the order given, only when all of them are written (so the last one given is there only if all are).
 */
export function writeFilesAtomic(dir: string, files: Record<string, string | Uint8Array>): void {
  const staging = temporaryName(dir);
  try {
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    for (const [name, content] of Object.entries(files)) writeDurably(join(staging, name), content);
    mkdirSync(dir, { recursive: true });
    for (const name of Object.keys(files)) renameSync(join(staging, name), join(dir, name));
  } catch (err) {
    throw inWords(err, dir);
  } finally {
    removeQuietly(staging);
  }
}
