/** The store on both backends (SQLite and a real PostgreSQL), copies between them, and the work queue's rules. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { finishedRun } from '../src/experiments/sweep.js';
import { runPoint } from '../src/experiments/run-point.js';
import { jobId, LEASE, QUEUE, QUEUE_SCHEMA, WorkQueue } from '../src/experiments/work-queue.js';
import { codeVersion } from '../src/io/code-version.js';
import { PostgresRunStore } from '../src/io/postgres-store.js';
import type { GridPoint, NewRun } from '../src/io/run-record.js';
import { openStore } from '../src/io/open-store.js';
import { type ClaimHolder, claimIsLive, mergeStores, type RunStore, rawRun } from '../src/io/run-store.js';
import { migrationSteps, STORE_SCHEMA_VERSION } from '../src/io/store-schema.js';
import { dropDatabase, freshDatabase, sql } from './postgres.js';
import { TcpProxy } from '../bench/tcp-proxy.js';

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

    it('claims a point for one process at a time: not one stored, nor one a live process holds', async () => {
      const store = await newStore(backend);
      const here = hostname();
      const soon = new Date(Date.now() + 60_000).toISOString();
      const mine = { key: 'k1', point, host: here, pid: process.pid, since: 'now', leaseUntil: soon };
      const options = { since: new Date().toISOString(), isLive: (c: ClaimHolder) => claimIsLive(c) };
      assert.equal(await store.claimIfFree(mine, options), 'claimed');
      assert.equal(await store.claimIfFree(mine, options), 'claimed', 'its own claim again');
      // Another live process on this machine (the test runner's parent) holds k2; a dead one held k3; a process
      // on another machine held k4 until its lease ran out, and holds k5 still.
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      const past = new Date(Date.now() - 1000).toISOString();
      await store.claim({ ...mine, key: 'k2', pid: process.ppid });
      await store.claim({ ...mine, key: 'k3', pid: dead });
      await store.claim({ ...mine, key: 'k4', host: 'elsewhere', leaseUntil: past });
      await store.claim({ ...mine, key: 'k5', host: 'elsewhere' });
      const results = [];
      for (const key of ['k2', 'k3', 'k4', 'k5']) results.push(await store.claimIfFree({ ...mine, key }, options));
      assert.deepEqual(results, ['busy', 'claimed', 'claimed', 'busy']);
      // A stored success needs no run; a failure stored before this sweep began is tried again, not one since.
      await store.record({ ...row('ok', 0.5), key: 'k6' });
      await store.record({ ...row('failed', null), key: 'k7', finishedAt: '2000-01-01T00:00:00.000Z' });
      await store.record({ ...row('failed', null), key: 'k8', finishedAt: new Date().toISOString() });
      const stored = [];
      for (const key of ['k6', 'k7', 'k8']) stored.push(await store.claimIfFree({ ...mine, key }, options));
      assert.deepEqual(stored, ['ok', 'claimed', 'failed']);
      await store.renewClaims(here, process.pid, '2100-01-01T00:00:00.000Z');
      const ours = (c: ClaimHolder) => c.host === here && c.pid === process.pid;
      const leases = (await store.claims()).map((c) => [c.key, ours(c) ? c.leaseUntil : 'other']);
      assert.deepEqual(
        leases.sort(),
        [
          ['k1', '2100-01-01T00:00:00.000Z'],
          ['k2', 'other'],
          ['k3', '2100-01-01T00:00:00.000Z'],
          ['k4', '2100-01-01T00:00:00.000Z'],
          ['k5', 'other'],
          ['k7', '2100-01-01T00:00:00.000Z'],
        ],
        'its own claims renewed, no other',
      );
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

  it('a cut-off attempt that comes back neither finishes nor gives back the attempt holding its run', async () => {
    const store = (await newStore('postgresql')) as PostgresRunStore;
    const url = databases.at(-1)!;
    const queue = await WorkQueue.open(store, { lease: 1 });
    const key = 'fedcba9876543210fedcba9876543210';
    const job = async () =>
      (
        await sql<{ state: string; retry_count: number }>(
          url,
          `SELECT state::text, retry_count FROM ${QUEUE_SCHEMA}.job WHERE name = $1`,
          [QUEUE],
        )
      )[0];
    await queue.enqueue('s', [{ point, key }]);
    const first = await queue.fetch();
    assert.ok(first);
    // The first worker is paused past its lease (SIGSTOP, a VM frozen): the point goes to a second one.
    let second = null;
    for (let t = 0; t < 100 && !second; t++) {
      await new Promise((r) => setTimeout(r, 100));
      second = await queue.fetch();
    }
    assert.ok(second && second.retryCount === 1, 'taken over within 10 s');
    assert.equal(await queue.heartbeat(second, 60), true);
    const secondClaim = (await store.claims())[0];
    assert.equal(secondClaim?.since, second.startedOn.toISOString());

    // The first comes back: stopped (SIGTERM), its run in flight goes back... to nobody: the second holds it.
    await queue.giveBack(first, 'the worker was stopped');
    assert.deepEqual(await job(), { state: 'active', retry_count: 1 }, 'the second attempt still holds the job');
    // Its run ended in an error on what it took for the last attempt: dropped, the second attempt decides.
    assert.equal(await queue.finish(first, rawRun({ ...row('failed', null), key })), false);
    assert.equal(await store.status(key), null, 'no failed row for a point that is running');
    // Its run succeeded: the result is kept (the same run), the job and the claim stay the second's.
    assert.equal(await queue.finish(first, rawRun({ ...row('ok', 0.75), key })), false);
    assert.equal(await store.status(key), 'ok');
    assert.deepEqual(await job(), { state: 'active', retry_count: 1 });
    assert.deepEqual(await store.claims(), [secondClaim], 'the claim is the second attempt’s');
    assert.equal(await queue.heartbeat(second, 60), true, 'the second attempt keeps its lease');

    assert.equal(await queue.finish(second, rawRun({ ...row('ok', 0.25), key })), true);
    assert.deepEqual(await job(), { state: 'completed', retry_count: 1 });
    assert.deepEqual(await store.claims(), []);
    assert.deepEqual(
      (await store.all()).map((r) => [r.key, r.testError]),
      [[key, 0.75]],
      'one row: a success never replaces another',
    );
    await queue.stop();
    await store.close();
  });
});

describe('a PostgreSQL connection that goes silent', () => {
  it('costs one statement timeout, not a worker, and the server frees the locks it held', async () => {
    const url = await freshDatabase();
    databases.push(url);
    const direct = new URL(url);
    const proxy = new TcpProxy({ host: direct.hostname, port: Number(direct.port) });
    const through = new URL(url);
    through.port = String(await proxy.listen());
    const store = await PostgresRunStore.open(through.toString(), { connections: 2, queryTimeoutSeconds: 2 });
    try {
      await store.record({ ...row('failed', null), key: 'k1' });
      // A transaction locks the row; then its connection goes silent (a proxy or NAT forgot it: neither end is
      // told), so the next statement gets no answer, and the server holds the lock for a client that is gone.
      const t0 = performance.now();
      const stuck = store.transaction(async (query) => {
        await query('SELECT key FROM runs WHERE key = ? FOR UPDATE', ['k1']);
        assert.ok(
          proxy.silenceOne(() => 0, 1),
          'the connection in use goes silent',
        );
        await query('SELECT 1');
      });
      const forever = new Promise((_, reject) =>
        setTimeout(() => reject(new Error('still waiting after 30 s')), 30_000),
      );
      await assert.rejects(Promise.race([stuck, forever]), /Query read timeout/);
      assert.ok(performance.now() - t0 < 15_000, 'given up after the statement timeout');
      // The server ends the session left idle in its transaction, and its lock with it: the row can be written.
      const idle = () =>
        sql<{ n: string }>(
          direct.toString(),
          `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database()
           AND state LIKE 'idle in transaction%'`,
        );
      for (let t = 0; t < 100 && Number((await idle())[0]!.n) > 0; t++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(Number((await idle())[0]!.n), 0, 'the silent session ended on the server');
      await store.record({ ...row('ok', 0.5), key: 'k1' });
      assert.equal(await store.status('k1'), 'ok', 'the next statement goes through on another connection');
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});
