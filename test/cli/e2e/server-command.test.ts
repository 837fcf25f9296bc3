/** End to end: `fnstack server` prints its URL and credentials, serves, and stops on SIGTERM. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { CLI_MAIN, assertOneLineError, cliSandbox, runCli } from '../_helpers/cli-harness.js';
import { tempDir } from '../_helpers/tmp.js';
import { WAIT_CAP_MS } from '../../_helpers/poll.js';

function spawnServer(args: string[], env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [CLI_MAIN, 'server', ...args], { env: { ...env, FNSTACK_LOG_LEVEL: 'info' } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL after ${WAIT_CAP_MS} ms; stdout: ${stdout}; stderr: ${stderr}`)), WAIT_CAP_MS);
    child.stderr.on('data', () => {
      const m = /fnstack is listening on (http:\/\/\S+)/.exec(stderr);
      if (m && /press Ctrl-C/.test(stderr)) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

test('server --port 0: URL and credentials printed, usable by the CLI, clean stop on SIGTERM', async (t) => {
  const dataDir = join(tempDir(), 'data');
  const sandbox = cliSandbox();
  const server = spawnServer(['--port', '0', '--data-dir', dataDir], sandbox.env);
  t.teardown(() => server.child.kill('SIGKILL'));
  const url = await server.ready;
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const credentials = join(dataDir, 'credentials.json');
  t.regex(server.output().stderr, new RegExp(`credentials: ${credentials}`));
  t.true(existsSync(credentials));

  const runtimes = await runCli(['runtime', 'list'], { cwd: sandbox.cwd, env: { ...sandbox.env, FNSTACK_DATA_DIR: dataDir } });
  t.is(runtimes.code, 0, runtimes.stderr);
  t.regex(runtimes.stdout, /nodejs20/);

  // A second server on the same port: one line, not a stack.
  const port = new URL(url).port;
  const clash = await runCli(['server', '--port', port, '--data-dir', join(tempDir(), 'other')], { env: { ...sandbox.env, FNSTACK_LOG_LEVEL: 'silent' } });
  assertOneLineError(t, clash, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`), 1);

  server.child.kill('SIGTERM');
  t.is(await server.exited, 0);
  for (const line of server.output().stdout.split('\n').filter(Boolean)) t.notThrows(() => JSON.parse(line), `stdout is the JSON log only: ${line}`);
  t.regex(server.output().stderr, /SIGTERM: stopping…\nstopped\n/);
});
