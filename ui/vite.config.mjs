// The dashboard is built to static files (dist/) that `lb server` serves at /ui/. No inline script or
// style may end up in index.html: the server's Content-Security-Policy allows 'self' only.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The SDK's rule for why a pod cannot become ready (sdk/src/models/pod-failure.ts: a few functions, types
// only from elsewhere) is bundled from its source, so the dashboard and the CLI agree on a failed rollout.
const podFailure = fileURLToPath(new URL('../sdk/src/models/pod-failure.ts', import.meta.url));

export default defineConfig({
  base: '/ui/',
  plugins: [preact()],
  resolve: { alias: { '@lastbackend/sdk/pod-failure': podFailure } },
  build: { outDir: 'dist', emptyOutDir: true, modulePreload: { polyfill: false }, assetsInlineLimit: 0, sourcemap: false },
});
