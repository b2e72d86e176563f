#!/usr/bin/env node
/**
 * Generates the ONNX message types (src/export/onnx-proto.generated.ts) from the official onnx.proto vendored
 * in proto/onnx, with buf and protoc-gen-es (Buf's protobuf-es code generator), so the exporter builds its
 * models from typed messages the official schema defines. Part of `npm run build`; the generated file is not
 * committed. Needs no network: the schema is local and both tools come from npm.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const buf = require.resolve('@bufbuild/buf/bin/buf');
const plugin = require.resolve('@bufbuild/protoc-gen-es/bin/protoc-gen-es');
const target = join(root, 'src/export/onnx-proto.generated.ts');
const out = mkdtempSync(join(root, 'src/export/.onnx-proto.tmp-'));
try {
  const template = { version: 'v2', plugins: [{ local: plugin, out: relative(root, out), opt: 'target=ts' }] };
  const r = spawnSync(process.execPath, [buf, 'generate', 'proto/onnx', '--template', JSON.stringify(template)], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(`build-onnx-proto: buf generate failed: ${(r.stderr || r.error?.message || '').trim()}`);
    process.exit(1);
  }
  renameSync(join(out, 'onnx_pb.ts'), target);
} finally {
  rmSync(out, { recursive: true, force: true });
}
