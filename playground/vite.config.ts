// Vite for the playground: served on 127.0.0.1 only. The spindle package is the workspace's own
// ts/ (its browser build, ts/dist/), whose wasm glue sits in wasm/pkg-web/ at the repository root.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs, so the build works from any directory it is served from.
  base: './',
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
