#!/usr/bin/env node
/** Entry point of the `fnstack` command (compiled to dist/cli/main.js). */
import { runCli } from './build-cli.js';
import { describeError } from './errors.js';

// `fnstack … | head` closes stdout early; that is not an error worth a stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (error) {
  const report = describeError(error, { debug: process.env.FNSTACK_DEBUG === '1' });
  process.stderr.write(report.text);
  process.exitCode = report.exitCode;
}
