#!/usr/bin/env node
/**
 * `npm run playground [-- --port P]`: builds the playground (npm run build:playground: the WebAssembly kernels,
 * a type check, Vite) into playground/dist and serves it on localhost, printing the URL. Ctrl-C stops it.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const usage = 'usage: npm run playground [-- --port P]   (P: a port from 1 to 65535, default 5173)';

function fail(message) {
  console.error(`playground: ${message}`);
  process.exit(2);
}

let port = 5173;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const value = arg === '--port' ? args[++i] : arg.startsWith('--port=') ? arg.slice('--port='.length) : undefined;
  if (arg === '--help' || arg === '-h') {
    console.log(usage);
    process.exit(0);
  }
  if (value === undefined) fail(`unknown argument '${arg}' (${usage})`);
  port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) fail(`--port '${value}' is not a port from 1 to 65535`);
}

const built = spawnSync('npm', ['run', 'build:playground', '--silent'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) fail('the build failed (see above)');

const { preview } = await import('vite');
try {
  const server = await preview({ root: join(root, 'playground'), preview: { port, strictPort: true } });
  const address = server.httpServer.address();
  console.log(`playground: http://127.0.0.1:${typeof address === 'object' ? address?.port : port}/  (Ctrl-C stops it)`);
} catch (err) {
  fail(err.code === 'EADDRINUSE' ? `port ${port} is in use (choose another with --port P)` : err.message);
}
