/** The store on both backends (SQLite and a real PostgreSQL), copies between them, and the work queue's rules. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { finishedRun } from '../src/experiments/sweep.js';
import { runPoint } from '../src/experiments/run-point.js';
import { jobId, LEASE, QUEUE, QUEUE_SCHEMA, WorkQueue } from '../src/experiments/work-queue.js';
import { codeVersion } from '../src/io/code-version.js';
import type { PostgresRunStore } from '../src/io/postgres-store.js';
import type { GridPoint, NewRun } from '../src/io/run-record.js';
import { openStore } from '../src/io/open-store.js';
import { mergeStores, type RunStore, rawRun } from '../src/io/run-store.js';
import { migrationSteps, STORE_SCHEMA_VERSION } from '../src/io/store-schema.js';
import { dropDatabase, freshDatabase, sql } from './postgres.js';

const databases: string[] = [];
after(async () => {
  for (const url of databases) await dropDatabase(url);
});

/** A new store of the backend, in a folder or database of its own. */
async function newStore(backend: 'sqlite' | 'postgresql'): Promise<RunStore> {
  if (backend === 'sqlite') return await openStore(join(mkdtempSync(join(tmpdir(), 'np-store-')), 's.sqlite'));
  const url = await freshDatabase();
  databases.push(url);
  return await openStore(url);
}

const point: GridPoint = { task: 'demo', samples: 10, testSamples: 5, seed: 0, algorithm: 'np', lr: 0.1, options: {} };
const row = (status: 'ok' | 'failed', testError: number | null, key = 'k1'): NewRun => ({
  key,
  sweep: 's',
  task: 'demo',
  samples: 10,
  seed: 0,
  algorithm: 'np',
  lr: 0.1,
  status,
  config: point,
  result: null,
  error: status === 'failed' ? 'boom' : null,
  trainError: testError,
  testError,
  iterations: 1,
  seconds: 0.5,
  codeVersion: 'v',
  finishedAt: 'now',
});

for (const backend of ['sqlite', 'postgresql'] as const) {
  describe(`the ${backend} store`, () => {
    it('keeps one row per key: a success replaces a failure, never the other way round', async () => {
      const store = await newStore(backend);
      assert.equal(store.version, STORE_SCHEMA_VERSION);
      await store.record(row('failed', null));
      assert.deepEqual([...(await store.finishedKeys())], [], 'a failed run is tried again');
      assert.equal(await store.status('k1'), 'failed');
      await store.record(row('ok', 0.25));
      await store.record(row('failed', null));
      await store.record(row('ok', 0.75));
      const all = await store.all();
      assert.deepEqual(
        all.map((r) => [r.key, r.status, r.testError]),
        [['k1', 'ok', 0.25]],
      );
      assert.deepEqual([...(await store.statuses())], [['k1', { status: 'ok', seconds: 0.5 }]]);
      await store.close();
    });

    it('ends a claim when its run is recorded or released', async () => {
      const store = await newStore(backend);
      const claim = { key: 'k1', point, host: 'h', pid: 7, since: 'then', leaseUntil: null };
      await store.claim(claim);
      await store.claim({ ...claim, key: 'k2', leaseUntil: '2100-01-01T00:00:00.000Z' });
      await store.record(row('ok', 0.25));
      assert.deepEqual(
        (await store.claims()).map((c) => [c.key, c.point, c.pid, c.leaseUntil]),
        [['k2', point, 7, '2100-01-01T00:00:00.000Z']],
      );
      await store.release('k2');
      assert.deepEqual(await store.claims(), []);
      await store.close();
    });

    it('merges under its own rule: a failure never replaces a success, a success replaces a failure', async () => {
      const [a, b, c] = [await newStore(backend), await newStore(backend), await newStore(backend)];
      await a.record(row('ok', 0.25, 'k1'));
      await a.record(row('failed', null, 'k2'));
      await b.record(row('failed', null, 'k1'));
      await b.record(row('ok', 0.5, 'k2'));
      await b.record(row('ok', 0.75, 'k3'));
      assert.equal(await mergeStores(a, b, 2), 1, 'one new run (over pages of 2)');
      const merged = async (store: RunStore) => (await store.all()).map((r) => [r.key, r.status, r.testError]);
      assert.deepEqual(await merged(a), [
        ['k1', 'ok', 0.25],
        ['k2', 'ok', 0.5],
        ['k3', 'ok', 0.75],
      ]);
      // Nor does a success replace another success: the first one stays.
      await c.record(row('ok', 0.9, 'k1'));
      await mergeStores(c, a);
      assert.deepEqual((await merged(c))[0], ['k1', 'ok', 0.9]);
      for (const store of [a, b, c]) await store.close();
    });
  });
}

/** Real runs: two small fits (one with a non-finite number in its history, as a fit may record) and a failure. */
function realRuns(): NewRun[] {
  const code = codeVersion();
  const small = { maxIterations: 2, gdSteps: 300, restarts: 3, pgaSteps: 100 };
  const points: GridPoint[] = [
    { task: 'demo', samples: 30, testSamples: 20, seed: 0, algorithm: 'np', lr: 0.1, options: small },
    { task: 'hypersphere-f1', samples: 30, testSamples: 20, seed: 1, algorithm: 'np', lr: 0.1, options: small },
  ];
  const runs = points.map((p, i) => finishedRun('real', `key${i}`, p, { result: runPoint(p) }, code));
  const history = runs[1]!.result!.history as { balancedness: number[][] }[];
  history[0]!.balancedness = [[Infinity]];
  runs.push(finishedRun('real', 'key9', points[0]!, { error: 'out of memory', seconds: 1.5 }, code));
  return runs;
}

describe('copies between backends', () => {
  it('SQLite → PostgreSQL → SQLite gives identical rows', async () => {
    const source = await newStore('sqlite');
    const runs = realRuns();
    for (const run of runs) await source.record(run);
    const database = await newStore('postgresql');
    const back = await newStore('sqlite');
    assert.equal(await mergeStores(database, source), 3);
    assert.equal(await mergeStores(back, database, 2), 3);
    const rows = async (store: RunStore) => await store.rawRuns(null, 100);
    const original = await rows(source);
    assert.deepEqual(
      original.map((r) => r.key),
      ['key0', 'key1', 'key9'],
    );
    assert.deepEqual(await rows(database), original);
    assert.deepEqual(await rows(back), original);
    assert.deepEqual(original[0], rawRun(runs[0]!), 'rows are what was recorded');
    // and they read back as the runs recorded: every weight of the network, bit for bit
    const [fromDatabase] = await database.all();
    assert.deepEqual(fromDatabase?.result?.model.layers, runs[0]!.result!.model.layers);
    for (const store of [source, database, back]) await store.close();
  });
});

describe('PostgreSQL store versions', () => {
  it('migrates a store of version 0 to the layout of a new one, and refuses a newer store', async () => {
    const url = await freshDatabase();
    databases.push(url);
    await sql(url, 'CREATE SCHEMA neuron_pursuit');
    await sql(url, `SET search_path TO neuron_pursuit; ${migrationSteps('empty')[0]}`);
    await sql(
      url,
      `INSERT INTO neuron_pursuit.runs VALUES
       ('k0', 's', 'demo', 10, 0, 'np', 0.1, 'failed', $1, NULL, 'boom', NULL, NULL, NULL, 0.5, '0.1.0', 'then')`,
      [JSON.stringify(point)],
    );
    const reader = await openStore(url, { readonly: true });
    assert.equal(reader.version, 0);
    assert.deepEqual(
      (await reader.all()).map((r) => [r.key, r.codeCommit, r.config]),
      [['k0', null, point]],
    );
    await reader.close();
    // Workers that start together migrate once, from an old store or from nothing.
    const empty = await freshDatabase();
    databases.push(empty);
    for (const store of await Promise.all([1, 2, 3].map(() => openStore(empty)))) await store.close();
    const writers = await Promise.all([1, 2, 3, 4].map(() => openStore(url)));
    assert.deepEqual(
      writers.map((w) => w.version),
      [2, 2, 2, 2],
    );
    for (const w of writers) await w.close();
    assert.deepEqual(await sql(url, 'SELECT version FROM neuron_pursuit.store_version'), [{ version: 2 }]);
    const fresh = await newStore('postgresql');
    await fresh.close();
    const layout = async (u: string) =>
      await sql(
        u,
        `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
         WHERE table_schema = 'neuron_pursuit' ORDER BY table_name, ordinal_position`,
      );
    assert.deepEqual(
      await layout(url),
      await layout(databases.at(-1)!),
      'a migrated store has the layout of a new one',
    );

    await sql(url, `UPDATE neuron_pursuit.store_version SET version = ${STORE_SCHEMA_VERSION + 1}`);
    const newer = new RegExp(`store version ${STORE_SCHEMA_VERSION + 1} is newer than this build reads`);
    await assert.rejects(() => openStore(url, { readonly: true }), newer);
    await assert.rejects(() => openStore(url), newer);
  });
});

describe('the work queue', () => {
  it('derives a lease from the longest stored run of the same kind, within its bounds', async () => {
    const store = (await newStore('postgresql')) as PostgresRunStore;
    await store.record({ ...row('ok', 0.1, 'a'), seconds: 1000 });
    await store.record({ ...row('ok', 0.1, 'b'), seconds: 400, samples: 20 });
    await store.record({ ...row('ok', 0.1, 'c'), seconds: 5000, samples: 40 });
    const queue = await WorkQueue.open(store);
    const lease = (samples: number) => queue.leases.seconds({ ...point, samples });
    assert.deepEqual(
      [await lease(10), await lease(20), await lease(40), await lease(80)],
      [1000, 400, LEASE.maxSeconds, LEASE.unknownSeconds],
    );
    await queue.stop();
    const fixed = await WorkQueue.open(store, { lease: 7 });
    assert.equal(await fixed.leases.seconds(point), 7);
    await fixed.stop();
    await store.close();
  });

  it('enqueues a point once; a late second completion of a run changes nothing', async () => {
    const store = (await newStore('postgresql')) as PostgresRunStore;
    const url = databases.at(-1)!;
    const queue = await WorkQueue.open(store, { lease: 1 });
    const key = '0123456789abcdef0123456789abcdef';
    await queue.enqueue('s', [{ point, key }]);
    await queue.enqueue('s', [{ point, key }]);
    assert.deepEqual(await sql(url, `SELECT id::text FROM ${QUEUE_SCHEMA}.job WHERE name = $1`, [QUEUE]), [
      { id: jobId(key) },
    ]);
    const first = await queue.fetch();
    assert.ok(first && first.retryCount === 0);
    assert.equal(await queue.fetch(), null, 'one worker holds it');
    assert.equal(await queue.heartbeat(first, 1), true);
    assert.equal((await store.claims())[0]?.pid, process.pid);
    // The first holder goes silent: its lease expires and pg-boss hands the point to the next worker.
    let second = null;
    for (let t = 0; t < 100 && !second; t++) {
      await new Promise((r) => setTimeout(r, 100));
      second = await queue.fetch();
    }
    assert.ok(second, 'the job came back within 10 s');
    assert.equal(second.retryCount, 1);
    assert.equal(await queue.heartbeat(first, 1), false, 'the first holder has lost it');
    await queue.finish(second, rawRun({ ...row('ok', 0.25), key }));
    await queue.finish(first, rawRun({ ...row('ok', 0.75), key }));
    assert.deepEqual(
      (await store.all()).map((r) => [r.key, r.testError]),
      [[key, 0.25]],
    );
    assert.deepEqual(await sql(url, `SELECT state::text FROM ${QUEUE_SCHEMA}.job WHERE name = $1`, [QUEUE]), [
      { state: 'completed' },
    ]);
    assert.equal(await queue.unfinished(), 0);
    await queue.stop();
    await store.close();
  });
});
