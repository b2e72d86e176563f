/** The saved formats of src/io: model, run folder, store rows and the store's layout versions. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { codeVersion } from '../src/io/code-version.js';
import { modelFromJson, modelPredict, modelToJson } from '../src/io/model-format.js';
import { fromRows } from '../src/linalg/matrix.js';
import { Network } from '../src/model/network.js';
import { readHistoryFile, readRunFolder, writeRunFolder } from '../src/io/run-folder.js';
import { HISTORY_FORMAT, RUN_FORMAT_VERSION, historyFile, summaryFile } from '../src/io/run-format.js';
import { MIGRATIONS, STORE_SCHEMA_VERSION } from '../src/io/store-schema.js';
import { openStore } from '../src/io/open-store.js';
import { mergeStores } from '../src/io/run-store.js';
import { SqliteRunStore } from '../src/io/sqlite-store.js';
import { Rng } from '../src/linalg/rng.js';
import { NeuronPursuit } from '../src/pursuit/neuron-pursuit.js';
import { getTask } from '../src/tasks/tasks.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

const demo = getTask('demo');
const { train } = demo.generate(80, 0, new Rng(0, 'data/demo'));
const fitted = new NeuronPursuit({ ...demo.defaults, maxIterations: 2, gdSteps: 500, restarts: 3, pgaSteps: 100 }).fit(
  train.X,
  train.Y,
);

describe('the model format', () => {
  it('carries the CSV columns of a model and checks them', () => {
    const columns = { features: Array.from({ length: 20 }, (_, i) => `x${i}`), targets: ['y'] };
    const json = JSON.parse(JSON.stringify(modelToJson(fitted.network, columns)));
    const back = modelFromJson(json);
    assert.deepEqual(Array.from(back.network.params), Array.from(fitted.network.params));
    assert.deepEqual([back.features, back.targets], [columns.features, columns.targets]);
    assert.throws(
      () => modelFromJson({ ...json, features: ['a'] }),
      /invalid model file: features must name 20 columns/,
    );
    assert.throws(
      () => modelFromJson({ ...json, activation: { name: 'relu', p: 2, alpha: 0 } }),
      /invalid model file: activation relu has p = 1, not 2/,
    );
    assert.throws(
      () => modelFromJson({ ...json, widths: [20, 0, 1] }),
      /widths must be a list of at least 3 positive integers/,
    );
  });

  it('carries the preprocessing, checks it, and predicts with it as its contract says', () => {
    // Two features and the intercept column: x' = ((3 − 1)/2, (5 − 1)/4) = (1, 1); h = relu(1 + 2 + 3) = 6;
    // H = 2·6 = 12; y = 12·3 + 10 = 46. The second row: x' = (−1, −1), relu(−1 − 2 + 3) = 0, y = 10.
    const network = new Network([3, 1, 1], { name: 'relu', p: 1, alpha: 0 }, [1, 2, 3, 2]);
    const preprocessing = {
      intercept: true,
      featureMean: [1, 1],
      featureScale: [2, 4],
      targetMean: [10],
      targetScale: [3],
    };
    const json = JSON.parse(
      JSON.stringify(modelToJson(network, { features: ['a', 'b'], targets: ['y'] }, preprocessing)),
    );
    const model = modelFromJson(json);
    assert.deepEqual(model.preprocessing, preprocessing);
    assert.deepEqual(
      Array.from(
        modelPredict(
          model,
          fromRows([
            [3, 5],
            [-1, -3],
          ]),
        ).data,
      ),
      [46, 10],
    );
    assert.throws(() => modelPredict(model, fromRows([[3, 5, 1]])), /the model takes 2 feature columns, got 3/);
    const bad = (pre: object) => () => modelFromJson({ ...json, preprocessing: { ...preprocessing, ...pre } });
    assert.throws(bad({ featureMean: [1] }), /invalid model file: preprocessing.featureMean must hold 2 numbers/);
    assert.throws(bad({ targetScale: [1, 2] }), /preprocessing.targetScale must hold 1 numbers/);
    assert.throws(bad({ featureScale: [1, 0] }), /preprocessing.featureScale must not hold a 0/);
    assert.throws(bad({ intercept: 'yes' }), /preprocessing.intercept must be true or false/);
    assert.throws(bad({ intercept: false }), /preprocessing.featureMean must hold 3 numbers/);
    assert.throws(() => modelFromJson({ ...json, features: ['a', 'b', 'c'] }), /features must name 2 columns/);
    const tooFew = {
      network: new Network([1, 1, 1], { name: 'relu', p: 1, alpha: 0 }),
      preprocessing: { intercept: true },
    };
    assert.throws(() => modelPredict(tooFew, fromRows([[]])), /an intercept needs a network of at least 2 inputs/);
  });
});

describe('the run folder', () => {
  const code = codeVersion();
  const summary = summaryFile(code, { task: 'demo' }, fitted.summary(), 1.5, fitted.options);

  it('reads back what it wrote, each file with its format and version, non-finite numbers as NaN', () => {
    const dir = join(tmp('np-run-'), 'run');
    const history = fitted.history.map((h, i) => (i === 0 ? { ...h, balancedness: [[Infinity]] } : h));
    writeRunFolder(dir, {
      summary,
      history: historyFile(fitted.summary(), history),
      model: modelToJson(fitted.network),
    });
    const written = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'));
    assert.deepEqual([written.format, written.version], [HISTORY_FORMAT, RUN_FORMAT_VERSION]);
    const run = readRunFolder(dir);
    assert.deepEqual(run.summary, JSON.parse(JSON.stringify(summary)));
    assert.equal(run.summary.codeVersion, JSON.parse(readFileSync('package.json', 'utf8')).version);
    assert.deepEqual(run.model.layers.flat(), Array.from(fitted.network.params));
    assert.equal(run.history.history.length, fitted.history.length);
    assert.deepEqual((run.history.history[0] as { balancedness: number[][] }).balancedness, [[NaN]]);
    assert.equal(run.history.stopMessage, fitted.stopMessage);
  });

  it('reads folders written before the files had versions, and refuses other versions and malformed fields', () => {
    const dir = join(tmp('np-run-'), 'old');
    writeRunFolder(dir, {
      summary,
      history: historyFile(fitted.summary(), fitted.history),
      model: modelToJson(fitted.network),
    });
    const strip = (name: string) => {
      const { format: _f, version: _v, ...rest } = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      writeFileSync(join(dir, name), JSON.stringify(rest));
      return rest;
    };
    strip('summary.json');
    const history = strip('history.json');
    assert.equal(readRunFolder(dir).history.history.length, fitted.history.length);
    writeFileSync(join(dir, 'history.json'), JSON.stringify({ ...history, version: 2 }));
    assert.throws(() => readHistoryFile(dir), /history\.json: field 'version': format version 2 is not supported/);
    writeFileSync(
      join(dir, 'history.json'),
      JSON.stringify({ ...history, history: [{ ...history.history[0], gdSteps: -1 }] }),
    );
    assert.throws(() => readHistoryFile(dir), /history\.json: field 'history/);
    assert.throws(() => readRunFolder(join(dir, 'nowhere')), /not a run folder \(no summary\.json\)/);
  });

  it('records the code version, and the git commit of a checkout', () => {
    const { codeVersion: version, codeCommit } = codeVersion();
    assert.equal(version, JSON.parse(readFileSync('package.json', 'utf8')).version);
    if (existsSync('.git')) assert.match(codeCommit ?? '', /^[0-9a-f]{40}(\+dirty)?$/);
    else assert.equal(codeCommit, undefined);
  });
});

/** The store's layout before it had a version: no code_commit column, user_version 0. */
const VERSION_0 = `CREATE TABLE runs (
  key TEXT PRIMARY KEY, sweep TEXT NOT NULL, task TEXT NOT NULL, samples INTEGER NOT NULL, seed INTEGER NOT NULL,
  algorithm TEXT NOT NULL, lr REAL NOT NULL, status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  config TEXT NOT NULL, result TEXT,
  error TEXT, train_error REAL, test_error REAL, iterations INTEGER, seconds REAL NOT NULL,
  code_version TEXT NOT NULL, finished_at TEXT NOT NULL)`;

const point = { task: 'demo', samples: 10, testSamples: 5, seed: 0, algorithm: 'np', lr: 0.1, options: {} } as const;

/** A store of layout version 0 holding one failed run under `key`. */
function version0Store(path: string, key: string): void {
  const db = new Database(path);
  db.exec(VERSION_0);
  db.prepare(
    `INSERT INTO runs VALUES
     (?, 's', 'demo', 10, 0, 'np', 0.1, 'failed', ?, NULL, 'boom', NULL, NULL, NULL, 0.5, '0.1.0', 'then')`,
  ).run(key, JSON.stringify(point));
  db.close();
}

/** Columns (name, not-null) of each table of an SQLite file, and its user_version. */
function layoutOf(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
    return {
      version: db.pragma('user_version', { simple: true }),
      tables: (tables as string[]).map((t) => [
        t,
        (db.pragma(`table_info(${t})`) as { name: string; notnull: number }[]).map((c) => [c.name, c.notnull]),
      ]),
    };
  } finally {
    db.close();
  }
}

describe('store versions', () => {
  it('has one migration per version', () => {
    assert.equal(MIGRATIONS.length, STORE_SCHEMA_VERSION);
  });

  it('reads a store of version 0 as it is, and migrates it for writing to the layout of a new store', async () => {
    const dir = tmp('np-store-');
    const path = join(dir, 'old.sqlite');
    version0Store(path, 'k0');
    const reader = new SqliteRunStore(path, { readonly: true });
    assert.equal(reader.version, 0);
    const [run] = await reader.all();
    assert.deepEqual([run?.key, run?.status, run?.codeCommit, run?.config], ['k0', 'failed', null, point]);
    assert.deepEqual(await reader.claims(), [], 'no claims before version 2');
    await reader.close();

    const writer = new SqliteRunStore(path);
    assert.equal(writer.version, STORE_SCHEMA_VERSION);
    await writer.record({ ...run!, key: 'k1', status: 'ok', error: null, codeCommit: 'abc' });
    assert.deepEqual(
      (await writer.all()).map((r) => [r.key, r.codeCommit]),
      [
        ['k0', null],
        ['k1', 'abc'],
      ],
    );
    await writer.close();
    const fresh = join(dir, 'new.sqlite');
    await (await openStore(fresh)).close();
    assert.deepEqual(layoutOf(path), layoutOf(fresh), 'a migrated store has the layout of a new one');
    // opening again migrates nothing
    const again = new SqliteRunStore(path);
    assert.equal(await again.count(), 2);
    assert.equal(again.integrityCheck(), 'ok');
    await again.close();
  });

  it('merges a store of version 0, and refuses a store newer than this build', async () => {
    const dir = tmp('np-store-');
    version0Store(join(dir, 'old.sqlite'), 'k0');
    const store = new SqliteRunStore(join(dir, 'new.sqlite'));
    const old = new SqliteRunStore(join(dir, 'old.sqlite'), { readonly: true });
    assert.equal(await mergeStores(store, old), 1);
    assert.equal((await store.all())[0]?.codeCommit, null);
    await old.close();
    await store.close();

    const future = join(dir, 'future.sqlite');
    const db = new Database(future);
    db.exec(VERSION_0);
    db.pragma(`user_version = ${STORE_SCHEMA_VERSION + 1}`);
    db.close();
    const newer = new RegExp(`store version ${STORE_SCHEMA_VERSION + 1} is newer than this build reads`);
    assert.throws(() => new SqliteRunStore(future, { readonly: true }), newer);
    assert.throws(() => new SqliteRunStore(future), newer);
  });

  it('checks every row it reads: a malformed result names its run and field', async () => {
    const path = join(tmp('np-store-'), 'bad.sqlite');
    const store = new SqliteRunStore(path);
    await store.close();
    const db = new Database(path);
    db.prepare(
      `INSERT INTO runs
       (key, sweep, task, samples, seed, algorithm, lr, status, config, result, seconds, code_version, finished_at)
       VALUES ('k9', 's', 'demo', 10, 0, 'np', 0.1, 'ok', ?, '{"trainError": "low"}', 1, '0.1.0', 'now')`,
    ).run(JSON.stringify(point));
    db.close();
    const reader = new SqliteRunStore(path, { readonly: true });
    await assert.rejects(() => reader.all(), /bad\.sqlite: run k9: field 'result\.trainError'/);
    assert.equal((await reader.all({ withResults: false })).length, 1);
    const target = new SqliteRunStore(join(tmp('np-store-'), 'target.sqlite'));
    await assert.rejects(() => mergeStores(target, reader), /run k9: field 'result\.trainError'/, 'merge checks rows');
    assert.equal(await target.count(), 0, 'and copies nothing of a page with a bad row');
    await target.close();
    await reader.close();
  });
});
