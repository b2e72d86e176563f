/**
 * The playground's build (`npm run build:playground`, `npm run playground`): a static site in playground/dist
 * with relative paths, so any static host serves it from any folder. The fit runs in an ES-module Web Worker that
 * bundles the core from ../src, WebAssembly kernels included (embedded base64: `npm run build` generates them).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One page, small: no source maps to ship, and no size warning to tune.
    sourcemap: false,
  },
  worker: { format: 'es' },
  preview: { host: '127.0.0.1', strictPort: true },
});
