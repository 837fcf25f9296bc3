/** End to end: errors the service reports are one line on stderr, no stack; login. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { assertOneLineError, cliSandbox, runCli } from '../_helpers/cli-harness.js';
import { startTestService, type TestService } from '../_helpers/test-service.js';
import { helloFile } from '../_helpers/fixtures.js';

const test = anyTest as TestFn<{ svc: TestService }>;

test.before(async (t) => {
  t.context.svc = await startTestService();
});
test.after.always(async (t) => {
  await t.context.svc?.close();
});

test('memory the service refuses: its message and field', async (t) => {
  const r = await t.context.svc.cli(['function', 'create', 'f', '--runtime', 'nodejs20', '--handler', 'hello.handler', '--code', helloFile(), '--memory', '999999']);
  assertOneLineError(t, r, /\(field: memory_mb\)$/, 1);
});

test('unknown function, for show, invoke and delete', async (t) => {
  for (const args of [['function', 'show', 'nope'], ['function', 'invoke', 'nope'], ['function', 'delete', 'nope', '--yes'], ['function', 'versions', 'nope']]) {
    assertOneLineError(t, await t.context.svc.cli(args), /nope.*not found/, 1);
  }
});

test('unknown execution', async (t) => {
  assertOneLineError(t, await t.context.svc.cli(['execution', 'show', 'no-such-execution']), /not found/, 1);
});

test('a wrong API key', async (t) => {
  assertOneLineError(t, await t.context.svc.cli(['function', 'list', '--api-key', 'fsk_wrong']), /was refused; run `fnstack login`/, 1);
});

test('login checks the key, then stores it 0600 for use from anywhere', async (t) => {
  const { api_key: key } = JSON.parse(readFileSync(t.context.svc.credentialsFile, 'utf8')) as { api_key: string };
  const sandbox = cliSandbox();
  const bad = await runCli(['login', '--endpoint', t.context.svc.url, '--api-key', 'fsk_wrong'], { cwd: sandbox.cwd, env: sandbox.env });
  assertOneLineError(t, bad, /refused/, 1);

  const good = await runCli(['login', '--endpoint', t.context.svc.url, '--api-key', key], { cwd: sandbox.cwd, env: sandbox.env });
  t.is(good.code, 0, good.stderr);
  const stored = join(sandbox.configHome, 'fnstack', 'credentials.json');
  t.regex(good.stdout, new RegExp(`logged in to ${t.context.svc.url}; credentials saved to ${stored}`));
  t.is(statSync(stored).mode & 0o777, 0o600);
  t.like(JSON.parse(readFileSync(stored, 'utf8')), { endpoint: t.context.svc.url, api_key: key });

  const after = await runCli(['runtime', 'list'], { cwd: sandbox.cwd, env: sandbox.env });
  t.is(after.code, 0, after.stderr);
  t.regex(after.stdout, /nodejs20/);
});
