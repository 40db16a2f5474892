#!/usr/bin/env node
// `npm run build`, after tsc: bundles the `lb` command's client side (dist/cli/main.js, every client command,
// commander and the SDK) into one file, dist/cli/lb.bundle.js, which core/bin/lb.js starts from
// (src/cli/fast-start.ts), and makes its V8 code cache by running `lb version` once (no server needed).
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync, rmSync } = require('node:fs');
const { build } = require('esbuild');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist', 'cli');
/** Bundled: our own modules, commander and the SDK. Every other package stays a require() of node_modules. */
const INLINE = /^(commander|@lastbackend\/sdk)(\/|$)/;
/** Commands that are not the client's (they load the server, the agent, jest's expect): left to dist/. */
const HEAVY = /^\.\/commands\/(server|agent|conformance)$/;

build({
  entryPoints: [join(dist, 'main.js')],
  outfile: join(dist, 'lb.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  metafile: true,
  // Smaller to read and to hash against its code cache; names kept, so messages and stacks still read.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'externals',
      setup(b) {
        // commander requires child_process at load for executable subcommands, which lb has none of:
        // a stand-in that loads it on first use keeps child_process, dgram and their bindings off start-up.
        b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
          /[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'lb-lazy' } : { path: args.path, external: true },
        );
        b.onLoad({ filter: /.*/, namespace: 'lb-lazy' }, () => ({
          contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
          loader: 'js',
        }));
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point' || args.namespace === 'lb-lazy') return undefined;
          if (HEAVY.test(args.path)) return { path: args.path, external: true };
          if (args.path.startsWith('.') || args.path.startsWith('/')) return undefined;
          if (INLINE.test(args.path)) return undefined;
          return { path: args.path, external: true };
        });
      },
    },
  ],
}).then(
  async (r) => {
    if (process.env.LB_BUNDLE_REPORT) console.log(await require('esbuild').analyzeMetafile(r.metafile));
    // A cache of the previous bundle would be refused anyway: gone, and made anew for the shebang's flags.
    for (const f of readdirSync(dist)) if (/^lb\.bundle\..*\.cache$/.test(f)) rmSync(join(dist, f));
    const env = { ...process.env, LB_SERVER: 'http://127.0.0.1:9', LB_CLI_CONFIG: '/nonexistent/lb-build/cli.json' };
    spawnSync(join(__dirname, '..', 'bin', 'lb.js'), ['version'], { env, stdio: 'ignore' });
  },
  () => process.exit(1),
);
