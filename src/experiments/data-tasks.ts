/**
 * Task names a sweep can run: the built-in tasks (src/tasks/tasks.ts) and `csv:NAME`, the data set
 * data/NAME.csv shipped in the package (its last column the target; src/tasks/csv-task.ts splits it per seed).
 * Node only: it reads the file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCsv, splitColumns } from '../io/csv.js';
import { tableTask } from '../tasks/csv-task.js';
import { getTask, type Task } from '../tasks/tasks.js';

/** The folder of shipped data sets (beside dist/ in the package). */
export const DATA_DIR = fileURLToPath(new URL('../../../data/', import.meta.url));

const loaded = new Map<string, Task>();

export function taskByName(name: string): Task {
  if (!name.startsWith('csv:')) return getTask(name);
  const known = loaded.get(name);
  if (known) return known;
  const file = `${DATA_DIR}${name.slice(4)}.csv`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new RangeError(`unknown task '${name}': no data set ${name.slice(4)}.csv in ${DATA_DIR}`);
  }
  const table = parseCsv(text, file);
  const target = table.columns.at(-1)!;
  const { X, Y } = splitColumns(table, [target], file, []);
  const task = tableTask(name, `the data set ${name.slice(4)}.csv (target: ${target})`, X, Y);
  loaded.set(name, task);
  return task;
}
