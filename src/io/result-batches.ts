/**
 * Committed results: a folder of gzip-compressed JSON-lines batches (`batch-0001.jsonl.gz`, …), one stored run
 * per line in the store's own row form (configuration and result as their JSON text, so a copy is exact). A new
 * batch holds only runs that no earlier batch has, so the folder grows by appending files and git keeps every
 * version of each file once; a store is rebuilt from it, and reports read it directly.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { StoredRun } from './run-record.js';
import { parseRawRun, type RawRun, type RunStore } from './run-store.js';
import { writeFileAtomic } from './files.js';

const BATCH = /^batch-(\d{4,})\.jsonl\.gz$/;

/** The batch files of a folder, in order (none when the folder is missing). */
export function batchFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => BATCH.test(f))
    .sort();
}

/** Every row of every batch, in batch order; a key in two batches is an error (batches never overlap). */
export function readBatchRows(dir: string): RawRun[] {
  const rows: RawRun[] = [];
  const seen = new Map<string, string>();
  for (const file of batchFiles(dir)) {
    const path = join(dir, file);
    let text: string;
    try {
      text = gunzipSync(readFileSync(path)).toString('utf8');
    } catch (err) {
      throw new Error(`${path}: not a gzip file: ${(err as Error).message}`);
    }
    text.split('\n').forEach((line, i) => {
      if (line === '') return;
      let row: RawRun;
      try {
        row = JSON.parse(line) as RawRun;
      } catch {
        throw new Error(`${path}: line ${i + 1} is not JSON`);
      }
      if (typeof row?.key !== 'string') throw new Error(`${path}: line ${i + 1} has no key`);
      const earlier = seen.get(row.key);
      if (earlier) throw new Error(`${path}: run ${row.key} is already in ${earlier}`);
      seen.set(row.key, file);
      rows.push(row);
    });
  }
  return rows;
}

/** Every run of the batches, checked against the store's format. */
export function readBatches(dir: string): StoredRun[] {
  return readBatchRows(dir).map((row) => parseRawRun(row, dir));
}

/** Write `rows` as the folder's next batch (atomically); the file's name, or null when there is nothing to write. */
export function writeBatch(dir: string, rows: RawRun[]): string | null {
  if (rows.length === 0) return null;
  mkdirSync(dir, { recursive: true });
  const last = batchFiles(dir).at(-1);
  const next = last ? Number(BATCH.exec(last)![1]) + 1 : 1;
  const name = `batch-${String(next).padStart(4, '0')}.jsonl.gz`;
  const sorted = [...rows].sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0));
  const text = `${sorted.map((r) => JSON.stringify(r)).join('\n')}\n`;
  writeFileAtomic(join(dir, name), gzipSync(text, { level: 9 }));
  return name;
}

/** Copy the batches' runs into a store (a finished run there is kept); the number of runs that were new. */
export async function importBatches(dir: string, store: RunStore): Promise<number> {
  const rows = readBatchRows(dir);
  let added = 0;
  for (let i = 0; i < rows.length; i += 100) added += await store.write(rows.slice(i, i + 100), 'merge');
  return added;
}

/**
 * The store's finished runs that no batch has yet, written as the next batch (each through `keep`, which may slim
 * it); its name, or null.
 */
export async function exportNewRuns(
  store: RunStore,
  dir: string,
  keep: (row: RawRun) => RawRun = (row) => row,
): Promise<{ file: string | null; runs: number }> {
  const have = new Set(readBatchRows(dir).map((r) => r.key));
  const fresh: RawRun[] = [];
  for (let after: string | null = null; ; ) {
    const page = await store.rawRuns(after, 200);
    if (page.length === 0) break;
    fresh.push(...page.filter((r) => r.status === 'ok' && !have.has(r.key)).map(keep));
    after = page.at(-1)!.key;
  }
  return { file: writeBatch(dir, fresh), runs: fresh.length };
}
