/** End to end: function create (file, zip, directory), list, show, update, versions, delete. */
import anyTest, { type TestFn } from 'ava';
import type { FunctionInfo, FunctionVersionInfo } from '../../../cli/api-types.js';
import { assertOneLineError, parseJsonOutput } from '../_helpers/cli-harness.js';
import { startTestService, type TestService } from '../_helpers/test-service.js';
import { helloFile, projectDir, projectZip } from '../_helpers/fixtures.js';

const test = anyTest as TestFn<{ svc: TestService }>;

test.before(async (t) => {
  t.context.svc = await startTestService();
});
test.after.always(async (t) => {
  await t.context.svc?.close();
});

const create = (svc: TestService, name: string, code: string, handler: string, ...extra: string[]) =>
  svc.cli(['function', 'create', name, '--runtime', 'nodejs20', '--handler', handler, '--code', code, ...extra]);

test.serial('runtime list shows nodejs20', async (t) => {
  const table = await t.context.svc.cli(['runtime', 'list']);
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /^NAME\s+LANGUAGE\s+VERSION\s+DEFAULT\n/);
  t.regex(table.stdout, /\nnodejs20\s+nodejs\s+20\./);
  const json = parseJsonOutput<Array<{ name: string }>>(t, await t.context.svc.cli(['runtime', 'list', '--json']));
  t.true(json.some((r) => r.name === 'nodejs20'));
});

test.serial('whoami shows the account, role, project name and id', async (t) => {
  const r = await t.context.svc.cli(['whoami']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^account\s+admin \(/m);
  t.regex(r.stdout, /^role\s+admin, service admin$/m);
  t.regex(r.stdout, /^project id\s+\S+$/m);
  const json = parseJsonOutput<{ project_id: string; project_name: string; role: string; endpoint: string }>(t, await t.context.svc.cli(['whoami', '--json']));
  t.is(json.role, 'admin');
  t.truthy(json.project_name);
  t.regex(json.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test.serial('create from a single file', async (t) => {
  const r = await create(t.context.svc, 'hello', helloFile(), 'hello.handler', '--memory', '256', '--env', 'GREETING=hi', '--env', 'LEVEL=debug', '--timeout', '20');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^created function hello version 1 \(nodejs20, mjs, \d+(\.\d)? (B|KiB)\)\n$/);
  const fn = parseJsonOutput<FunctionInfo>(t, await t.context.svc.cli(['function', 'show', 'hello', '--json']));
  t.like(fn, { name: 'hello', runtime: 'nodejs20', handler: 'hello.handler', memory_mb: 256, timeout_s: 20, version: 1, network: true, env: { GREETING: 'hi', LEVEL: 'debug' } });
  t.is(fn.code.format, 'mjs');
});

test.serial('create from a .zip archive, without network', async (t) => {
  const r = await create(t.context.svc, 'zipped', projectZip(), 'index.handler', '--no-network', '--json');
  const fn = parseJsonOutput<FunctionInfo>(t, r);
  t.like(fn, { name: 'zipped', version: 1, network: false });
  t.is(fn.code.format, 'zip');
});

test.serial('create from a directory packs it as .tar.gz', async (t) => {
  const r = await create(t.context.svc, 'project', projectDir(), 'index.handler');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /created function project version 1 \(nodejs20, tar\.gz, /);
  t.regex(r.stderr, /packed .*: 5 files, /);
  const invoked = await t.context.svc.cli(['function', 'invoke', 'project']);
  t.is(invoked.code, 0, invoked.stderr);
  t.deepEqual(JSON.parse(invoked.stdout), { from: 'directory', util: 42, dep: '..x' });
});

test.serial('list shows every function in an aligned table, and as JSON', async (t) => {
  const r = await t.context.svc.cli(['function', 'list']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.regex(lines[0]!, /^NAME\s+RUNTIME\s+HANDLER\s+VERSION\s+MEMORY\s+TIMEOUT\s+CODE\s+UPDATED$/);
  t.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort(), ['hello', 'project', 'zipped']);
  const runtimeColumn = lines[0]!.indexOf('RUNTIME');
  for (const line of lines.slice(1)) t.is(line.indexOf('nodejs20'), runtimeColumn, line);
  const json = parseJsonOutput<FunctionInfo[]>(t, await t.context.svc.cli(['function', 'list', '--json']));
  t.deepEqual(json.map((f) => f.name).sort(), ['hello', 'project', 'zipped']);
});

test.serial('show prints the settings and the environment', async (t) => {
  const r = await t.context.svc.cli(['function', 'show', 'hello']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^name: +hello$/m);
  t.regex(r.stdout, /^handler: +hello\.handler$/m);
  t.regex(r.stdout, /^memory: +256 MiB$/m);
  t.regex(r.stdout, /^code: +mjs, .*sha256 [0-9a-f]{64}$/m);
  t.regex(r.stdout, /^env:\n {2}GREETING=hi\n {2}LEVEL=debug$/m);
});

test.serial('update makes new versions: settings, env merge, then code', async (t) => {
  const svc = t.context.svc;
  const settings = await svc.cli(['function', 'update', 'hello', '--memory', '512', '--env', 'LEVEL=info', '--unset-env', 'GREETING']);
  t.is(settings.code, 0, settings.stderr);
  t.regex(settings.stdout, /^updated function hello: now version 2 /);
  const v2 = parseJsonOutput<FunctionInfo>(t, await svc.cli(['function', 'show', 'hello', '--json']));
  t.like(v2, { version: 2, memory_mb: 512, timeout_s: 20 });
  t.deepEqual(v2.env, { LEVEL: 'info' });

  const code = await svc.cli(['function', 'update', 'hello', '--code', helloFile('howdy')]);
  t.is(code.code, 0, code.stderr);
  t.regex(code.stdout, /now version 3 /);
  const invoked = await svc.cli(['function', 'invoke', 'hello', '--data', '{"name":"v3"}']);
  t.is(invoked.code, 0, invoked.stderr);
  t.deepEqual(JSON.parse(invoked.stdout), { greeting: 'howdy v3' });

  const versions = await svc.cli(['function', 'versions', 'hello']);
  t.is(versions.code, 0, versions.stderr);
  const rows = versions.stdout.trimEnd().split('\n').slice(1);
  t.deepEqual(rows.map((l) => l.trim().split(/\s+/)[0]), ['3', '2', '1']);
  const json = parseJsonOutput<FunctionVersionInfo[]>(t, await svc.cli(['function', 'versions', 'hello', '--json']));
  t.deepEqual(json.map((v) => v.version).sort(), [1, 2, 3]);
});

test.serial('update with nothing to change is a usage error', async (t) => {
  assertOneLineError(t, await t.context.svc.cli(['function', 'update', 'hello']), /nothing to update/, 2);
});

test.serial('create over an existing name: the service’s conflict, one line', async (t) => {
  assertOneLineError(t, await create(t.context.svc, 'hello', helloFile(), 'hello.handler'), /already exists/, 1);
});

test.serial('delete needs --yes off a terminal, then the function is gone', async (t) => {
  const svc = t.context.svc;
  assertOneLineError(t, await svc.cli(['function', 'delete', 'zipped']), /without --yes/, 2);
  const deleted = await svc.cli(['function', 'delete', 'zipped', '--yes']);
  t.is(deleted.code, 0, deleted.stderr);
  t.is(deleted.stdout, 'deleted function zipped\n');
  assertOneLineError(t, await svc.cli(['function', 'show', 'zipped']), /zipped.*not found/, 1);
});
