/**
 * Bundles the warm executor (what a local sandbox runs: service/runner/warm-executor.ts) into
 * one CommonJS file next to it, dist/service/runner/warm-executor.cjs. Loaded as five ES
 * modules, the runner cost every sandbox ~3 ms more CPU at start (bench/README.md). The bundle
 * holds only the runner's own code; Node builtins stay imports.
 * Run by `npm run build`, after tsc.
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runner = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'service', 'runner');

await build({
  entryPoints: [join(runner, 'warm-executor.js')],
  outfile: join(runner, 'warm-executor.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // The runner finds its own directory from import.meta.url; in CommonJS that is __filename.
  define: { 'import.meta.url': 'importMetaUrl' },
  // ("use strict" first: a directive only counts before any statement)
  banner: { js: "'use strict';\nconst importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
});
