/**
 * Full disks and read-only folders, on real file systems mounted in a private mount namespace (`unshare -m`: the
 * mounts are gone with the namespace, whatever happens to the test): a tmpfs too small for a `train --out` run or a
 * sweep's SQLite store, a tmpfs remounted read-only between two checkpoints, and an ext4 file system (a loop
 * device) that turns read-only on an error while a sweep writes to it. Each time: a non-zero exit with one line
 * that says what happened, where, and how to go on; no half-written file; and once there is room (or the file
 * system is writable) again, `train --resume` or the same sweep run again ends as the run that never failed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { expandGrid, parseSweepConfig, pointKey } from '../src/experiments/config.js';
import { readCheckpoint } from '../src/io/run-folder.js';
import { CLI, TINY_GRID, timelessHistory } from './helpers.js';

/** A private mount namespace: root's own, or else one in a new user namespace (where a tmpfs, not ext4, mounts). */
const UNSHARE = process.getuid?.() === 0 ? ['-m'] : ['-Urm'];

/** Why these tests cannot run here (no private mount namespace, no tmpfs), or undefined. */
function whyNoMounts(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'np-disk-probe-'));
  const r = spawnSync('unshare', [...UNSHARE, 'sh', '-c', 'mount -t tmpfs -o size=4k tmpfs "$0"', dir], {
    encoding: 'utf8',
  });
  rmSync(dir, { recursive: true, force: true });
  if (r.error) return `unshare cannot be run: ${r.error.message}`;
  return r.status === 0 ? undefined : `no tmpfs in a private mount namespace: ${r.stderr.trim()}`;
}

/** Why the ext4 test cannot run here (no mkfs.ext4, no loop device), or undefined. */
function whyNoExt4(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'np-disk-probe-'));
  const r = spawnSync(
    'unshare',
    [
      ...UNSHARE,
      'sh',
      '-c',
      'truncate -s 4M img && mkfs.ext4 -q img && mkdir d && mount -o loop img d && ' +
        'test -e "/sys/fs/ext4/$(basename "$(findmnt -n -o SOURCE --target d)")/trigger_fs_error"',
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  rmSync(dir, { recursive: true, force: true });
  return r.status === 0 ? undefined : `no ext4 on a loop device in a private mount namespace: ${r.stderr.trim()}`;
}

const noMounts = whyNoMounts();
/** Every test's folder (what the namespaces wrote outside their mounts); removed at the end. */
const root = mkdtempSync(join(tmpdir(), 'np-full-disk-'));
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * Run a bash script in a new private mount namespace, in `cwd`, with $NODE and $CLI set; resolves with its output
 * (rejects if it exits non-zero: the script records the exit codes it expects in files).
 */
function inNamespace(script: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', [...UNSHARE, 'bash', '-euo', 'pipefail', '-c', script], {
      cwd,
      env: { ...process.env, NODE: process.execPath, CLI },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`script exit ${code}: ${output}`))));
  });
}

/** Run the built CLI in `cwd` (not in the namespace), asynchronously: it runs while a namespace does its part. */
function runCli(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const text = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const code = (dir: string, name: string) => Number(text(dir, name));

/** The lines a command wrote on stderr other than its progress lines ('[3/18] …'). */
const messages = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('['));

/** One line, in words: no stack trace, no errno or SQLite code. */
function assertOneLine(stderr: string, what: string): void {
  const lines = messages(stderr);
  assert.equal(lines.length, 1, `${what}: ${stderr}`);
  assert.doesNotMatch(lines[0]!, /ENOSPC|EROFS|EIO\b|SQLITE_|rollback|\bat .*:\d+:\d+/, what);
}

// ---------------------------------------------------------------------------------------------------------------
// train --out

/** A fit of 5 iterations, each a second or so here: a checkpoint every few hundred milliseconds to a second. */
const TRAIN = [
  'train',
  '--task',
  'hypercube-f1',
  '--samples',
  '300',
  '--test-samples',
  '300',
  '--restarts',
  '4',
  '--pga-steps',
  '200',
  '--gd-steps',
  '2000',
  '--max-iterations',
  '5',
  '--no-report',
  '--quiet',
];
const TRAIN_ARGS = TRAIN.join(' ');

function timelessSummary(dir: string): unknown {
  const { seconds: _s, ...rest } = JSON.parse(text(dir, 'summary.json'));
  return rest;
}

/** The run folder (a copy made in the namespace) as it was after the failure: a complete checkpoint, nothing else. */
function assertCheckpointOnly(dir: string, iterations: number): void {
  assert.deepEqual(readdirSync(dir), ['checkpoint.json'], 'no temporary or half-written file');
  assert.equal(readCheckpoint(dir).history.length, iterations);
}

/** The resumed run equals the whole one (but for its times), and its folder holds the run's files only. */
function assertSameRun(resumed: string, whole: string): void {
  assert.deepEqual(readdirSync(resumed).sort(), ['history.json', 'model.json', 'summary.json']);
  assert.deepEqual(timelessHistory(resumed), timelessHistory(whole));
  assert.equal(text(resumed, 'model.json'), text(whole, 'model.json'));
  assert.deepEqual(timelessSummary(resumed), timelessSummary(whole));
}

/** The message of a write that failed in disk/run: what, where, what is kept, how to go on; the iterations kept. */
function assertResumeAdvice(stderr: string, problem: string, remedy: string): number {
  assertOneLine(stderr, 'train');
  const match = new RegExp(
    `^neuron-pursuit: error: disk/run(/checkpoint\\.json)?: ${problem}; disk/run/checkpoint\\.json keeps (\\d) ` +
      `completed iteration\\(s\\) of at most 5: ${remedy}, continue with: neuron-pursuit train --resume disk/run$`,
  ).exec(stderr.trim());
  assert.ok(match, stderr);
  return Number(match[2]);
}

/** Continue the run of disk/run and copy its folder to final/ (the exit code to resume.code). */
const RESUME = `
  set +e
  "$NODE" "$CLI" train --resume disk/run --quiet --no-report > /dev/null 2> resume.err; echo $? > resume.code
  set -e
  cp -a disk/run final`;

describe('a full disk or a read-only folder under train --out', { skip: noMounts }, () => {
  const workspace = mkdtempSync(join(root, 'train-'));
  // The reference, the same run on a disk with room: started with the first test, it runs while the tests do.
  let reference: Promise<{ code: number | null; stderr: string }> | undefined;
  const whole = () => {
    reference ??= runCli([...TRAIN, '--out', 'whole'], workspace);
    return reference;
  };

  /**
   * What a fit stopped by its disk (the message of `errFile`) leaves, and what `--resume` then makes: one complete
   * checkpoint of 1 to 4 iterations and nothing else, and after the resume the same run as on a disk with room.
   */
  async function assertStoppedThenResumed(dir: string, errFile: string, says: string, remedy: string): Promise<void> {
    const kept = assertResumeAdvice(text(dir, errFile), says, remedy);
    assert.ok(kept >= 1 && kept < 5, `${kept} iteration(s) kept`);
    assertCheckpointOnly(join(dir, 'after'), kept);
    assert.deepEqual(text(dir, 'disk.list').split('\n').filter(Boolean), ['run']);
    assert.equal(code(dir, 'resume.code'), 0, text(dir, 'resume.err'));
    const { code: exit, stderr } = await whole();
    assert.equal(exit, 0, stderr);
    assertSameRun(join(dir, 'final'), join(workspace, 'whole'));
  }
  it('too small a tmpfs: one line, the last checkpoint kept whole; --resume once there is room', async () => {
    void whole();
    const dir = mkdtempSync(join(workspace, 'full-'));
    // 12 KiB (3 pages): the first checkpoints and their temporary copies fit, the third iteration's does not.
    await inNamespace(
      `mkdir disk && mount -t tmpfs -o size=12k tmpfs disk
      set +e
      "$NODE" "$CLI" ${TRAIN_ARGS} --out disk/run 2> full.err; echo $? > full.code
      set -e
      ls -A disk > disk.list; cp -a disk/run after
      mount -o remount,size=4m disk
      ${RESUME}`,
      dir,
    );
    assert.equal(code(dir, 'full.code'), 1);
    await assertStoppedThenResumed(
      dir,
      'full.err',
      'no space left on the device',
      'once there is room on the disk again',
    );
  });

  it('a tmpfs turned read-only between two checkpoints: one line, the last kept; --resume once writable', async () => {
    void whole();
    const dir = mkdtempSync(join(workspace, 'ro-'));
    // Read-only as soon as the first iteration's checkpoint is there (Linux refuses while a file is being written:
    // the remount is tried until it is between two writes).
    await inNamespace(
      `mkdir disk && mount -t tmpfs -o size=4m tmpfs disk
      "$NODE" "$CLI" ${TRAIN_ARGS} --out disk/run 2> ro.err & pid=$!
      until grep -qs '"history":\\[{' disk/run/checkpoint.json || ! kill -0 $pid 2> /dev/null; do sleep 0.02; done
      until mount -o remount,ro disk 2> /dev/null || ! kill -0 $pid 2> /dev/null; do sleep 0.01; done
      set +e
      wait $pid; echo $? > ro.code
      set -e
      ls -A disk > disk.list; cp -a disk/run after
      mount -o remount,rw disk
      ${RESUME}`,
      dir,
    );
    assert.equal(code(dir, 'ro.code'), 1, `the run ended before the remount: ${text(dir, 'ro.err')}`);
    await assertStoppedThenResumed(
      dir,
      'ro.err',
      'the file system is read-only',
      'once the file system is writable again',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// sweep --store

/** Runs of a fraction of a second each. */
const GRID = TINY_GRID;
const GRID_KEYS = expandGrid(parseSweepConfig(GRID, 'grid.yaml')).map(pointKey).sort();
const SWEEP = '"$NODE" "$CLI" sweep grid.yaml --store disk/s.sqlite --workers 2';

interface StoreState {
  integrity: string;
  rows: { key: string; status: string }[];
  claims: number;
}

/** A copy of a store (its file, WAL and shared memory, copied in the namespace), read after SQLite's recovery. */
function storeState(dir: string): StoreState {
  const db = new Database(join(dir, 's.sqlite'));
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      rows: db.prepare('SELECT key, status FROM runs ORDER BY key').all() as StoreState['rows'],
      claims: (db.prepare('SELECT COUNT(*) AS n FROM claims').get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

/** The store after the failure: whole, and holding only finished runs (none cut short by the stop). */
function assertPartOfTheGrid(dir: string): number {
  const state = storeState(dir);
  assert.equal(state.integrity, 'ok');
  assert.ok(
    state.rows.every((r) => r.status === 'ok' && GRID_KEYS.includes(r.key)),
    JSON.stringify(state.rows),
  );
  return state.rows.length;
}

/**
 * The store after the sweep ran again: every grid point once, each a success, no claim left; and every run the
 * failed sweep reported as stored (a progress line '[k/18] …: done' comes once the run's row is committed) was kept.
 */
function assertWholeGrid(dir: string, again: string, failed: string): void {
  const state = storeState(dir);
  assert.equal(state.integrity, 'ok');
  assert.deepEqual(
    state.rows.map((r) => r.key),
    GRID_KEYS,
  );
  assert.ok(state.rows.every((r) => r.status === 'ok'));
  assert.equal(state.claims, 0);
  const counts = /^sweep tiny: 18 grid points, (\d+) already stored, \d+ run \(0 failed\)/.exec(again);
  assert.ok(counts, again);
  const reported = failed.split('\n').filter((line) => /^\[\d+\/18\] .*: done \(/.test(line)).length;
  assert.ok(Number(counts[1]) >= reported, `${reported} runs reported stored, ${counts[1]} kept`);
}

describe("a full or read-only disk under a sweep's SQLite store", { skip: noMounts }, () => {
  it('a tmpfs that fills up, then is read-only at the start: one line each; the sweep again completes', async () => {
    const dir = mkdtempSync(join(root, 'full-store-'));
    writeFileSync(join(dir, 'grid.yaml'), GRID);
    // 320 KiB: the WAL fills it after a few runs are stored.
    await inNamespace(
      `mkdir disk && mount -t tmpfs -o size=320k tmpfs disk
      set +e
      ${SWEEP} > /dev/null 2> full.err; echo $? > full.code
      set -e
      cp -a disk after
      mount -o remount,ro disk
      set +e
      ${SWEEP} --quiet > /dev/null 2> ro.err; echo $? > ro.code
      set -e
      mount -o remount,rw,size=16m disk
      set +e
      ${SWEEP} --quiet > again.out 2> again.err; echo $? > again.code
      set -e
      cp -a disk final`,
      dir,
    );
    assert.equal(code(dir, 'full.code'), 1);
    assertOneLine(text(dir, 'full.err'), 'full');
    assert.match(
      messages(text(dir, 'full.err'))[0]!,
      new RegExp(
        '^neuron-pursuit: error: disk/s\\.sqlite: no space left on the device; the runs stored so far are kept: ' +
          'once there is room on the disk again, run the same sweep again to go on with the points not yet stored$',
      ),
    );
    const stored = assertPartOfTheGrid(join(dir, 'after'));
    assert.ok(stored >= 1 && stored < 18, `${stored} runs stored before the disk was full`);
    assert.equal(code(dir, 'ro.code'), 1);
    assertOneLine(text(dir, 'ro.err'), 'read-only');
    assert.match(text(dir, 'ro.err'), /^neuron-pursuit: error: disk\/s\.sqlite: the file system is read-only; /);
    assert.equal(code(dir, 'again.code'), 0, text(dir, 'again.err'));
    assertWholeGrid(join(dir, 'final'), text(dir, 'again.out'), text(dir, 'full.err'));
  });

  const ext4 = { skip: noMounts ?? whyNoExt4() };
  it(
    'ext4 turned read-only under a running sweep by an error: one line; repaired, the sweep completes',
    ext4,
    async () => {
      const dir = mkdtempSync(join(root, 'ro-store-'));
      writeFileSync(join(dir, 'grid.yaml'), GRID);
      // ext4 mounted errors=remount-ro, as a disk that fails: a file-system error (triggered through sysfs once
      // three runs are stored) turns it read-only under the open store. Then the usual repair: unmount, e2fsck,
      // mount again.
      await inNamespace(
        `truncate -s 16M img && mkfs.ext4 -q img && mkdir disk && mount -o loop,errors=remount-ro img disk
        dev=$(basename "$(findmnt -n -o SOURCE --target disk)")
        ${SWEEP} > /dev/null 2> ro.err & pid=$!
        until grep -qs '^\\[3/18\\]' ro.err || ! kill -0 $pid 2> /dev/null; do sleep 0.02; done
        echo 1 > /sys/fs/ext4/$dev/trigger_fs_error
        set +e
        wait $pid; echo $? > ro.code
        set -e
        cp -a disk after
        umount disk
        set +e
        e2fsck -fy img > fsck.out 2>&1; echo $? > fsck.code
        set -e
        mount -o loop img disk
        set +e
        ${SWEEP} --quiet > again.out 2> again.err; echo $? > again.code
        set -e
        cp -a disk final`,
        dir,
      );
      assert.equal(code(dir, 'ro.code'), 1, `the sweep ended before the error: ${text(dir, 'ro.err')}`);
      assertOneLine(text(dir, 'ro.err'), 'read-only');
      assert.match(
        messages(text(dir, 'ro.err'))[0]!,
        /^neuron-pursuit: error: disk\/s\.sqlite: the file system is read-only; /,
      );
      assert.ok(code(dir, 'fsck.code') <= 1, text(dir, 'fsck.out'));
      assertPartOfTheGrid(join(dir, 'after'));
      assert.equal(code(dir, 'again.code'), 0, text(dir, 'again.err'));
      assertWholeGrid(join(dir, 'final'), text(dir, 'again.out'), text(dir, 'ro.err'));
    },
  );
});
