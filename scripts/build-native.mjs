#!/usr/bin/env node
/**
 * The install step of the optional native kernels (native/, binding.gyp): builds the N-API addon with node-gyp,
 * which npm carries (better-sqlite3's install needs it too), against the headers of the running Node. Optional:
 * without a compiler, headers or an x86-64 CPU it says why and exits 0, and the WebAssembly kernels run.
 * NEURON_PURSUIT_NATIVE=0 skips it. Nothing is downloaded: without local Node headers it does not build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const skip = (why) => {
  console.error(`neuron-pursuit: native kernels not built (${why}); the WebAssembly kernels will run`);
  process.exit(0);
};

if (process.env.NEURON_PURSUIT_NATIVE === '0') skip('NEURON_PURSUIT_NATIVE=0');
if (process.arch !== 'x64') skip(`the kernels are AVX2, this is ${process.arch}`);
// The headers of this Node: beside the binary in official builds (bin/../include/node) and in Debian's.
const nodedir = join(dirname(process.execPath), '..');
if (!existsSync(join(nodedir, 'include/node/node_api.h'))) skip(`no Node headers under ${nodedir}/include/node`);

/** node-gyp: the one npm runs scripts with, else the one inside npm, else one on the PATH. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, process.env.npm_config_node_gyp];
  }
  for (const base of [join(nodedir, 'lib/node_modules/npm'), join(nodedir, 'share/nodejs/npm')]) {
    try {
      return [process.execPath, createRequire(join(base, 'package.json')).resolve('node-gyp/bin/node-gyp.js')];
    } catch {}
  }
  return ['node-gyp'];
}

const [bin, ...pre] = nodeGyp();
const r = spawnSync(bin, [...pre, 'rebuild', `--nodedir=${nodedir}`], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, npm_config_offline: 'true' },
});
if (r.status !== 0) {
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n');
  const cause =
    r.error?.message ??
    lines
      .filter((l) => /error/i.test(l))
      .slice(0, 3)
      .join(' | ');
  skip(`node-gyp failed: ${cause || lines.at(-1)}`);
}
console.error('neuron-pursuit: native kernels built (build/Release/neuron_pursuit_kernels.node)');
