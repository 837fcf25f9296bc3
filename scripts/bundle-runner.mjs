/**
 * Bundles the two executors a local sandbox runs (service/runner/warm-executor.ts, and
 * executor.ts for a one-run sandbox) into one CommonJS file each next to them:
 * dist/service/runner/warm-executor.cjs and executor.cjs. Loaded as five ES modules, the
 * runner cost every sandbox ~3 ms more CPU at start, and a one-run sandbox's event 15–25 ms
 * (bench/README.md). A bundle holds only the runner's own code; Node builtins stay imports.
 * (executor.js itself still ships into Nova servers, with the rest of runner/.)
 * Run by `npm run build`, after tsc.
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runner = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'service', 'runner');

await build({
  entryPoints: { 'warm-executor': join(runner, 'warm-executor.js'), executor: join(runner, 'executor.js') },
  outdir: runner,
  outExtension: { '.js': '.cjs' },
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
