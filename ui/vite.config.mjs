// The dashboard is built to static files (dist/) that `lb server` serves at /ui/. No inline script or
// style may end up in index.html: the server's Content-Security-Policy allows 'self' only.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The SDK's pure rules for a rollout (sdk/src/models/pod-failure.ts and pod-progress.ts: functions, with
// types only from elsewhere) are bundled from their source, so the dashboard and the CLI say the same.
const sdkModels = fileURLToPath(new URL('../sdk/src/models/', import.meta.url));

export default defineConfig({
  base: '/ui/',
  plugins: [preact()],
  resolve: { alias: [{ find: /^@lastbackend\/sdk\/models\/(.*)$/, replacement: `${sdkModels}$1.ts` }] },
  build: { outDir: 'dist', emptyOutDir: true, modulePreload: { polyfill: false }, assetsInlineLimit: 0, sourcemap: false },
});
