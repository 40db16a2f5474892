// The dashboard is built to static files (dist/) that `lb server` serves at /ui/. No inline script or
// style may end up in index.html: the server's Content-Security-Policy allows 'self' only.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  base: '/ui/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, modulePreload: { polyfill: false }, assetsInlineLimit: 0, sourcemap: false },
});
