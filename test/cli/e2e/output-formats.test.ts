/** End to end: -f table|json|yaml|value and -c on read commands, --json as -f json, and errors as JSON. */
import anyTest, { type TestFn } from 'ava';
import YAML from 'yaml';
import type { ExecutionSummaryInfo, FunctionInfo } from '../../../cli/api-types.js';
import { assertOneLineError, parseJsonOutput } from '../_helpers/cli-harness.js';
import { closedPort } from '../_helpers/fake-server.js';
import { helloFile } from '../_helpers/fixtures.js';
import { startTestService, type TestService } from '../_helpers/test-service.js';

const test = anyTest as TestFn<{ svc: TestService; executionId: string }>;

test.before(async (t) => {
  const svc = await startTestService();
  t.context.svc = svc;
  for (const name of ['alpha', 'beta']) {
    const r = await svc.cli(['function', 'create', name, '--runtime', 'nodejs20', '--handler', 'hello.handler', '--code', helloFile(), '--memory', '192']);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  const invoked = await svc.cli(['function', 'invoke', 'alpha', '--data', '{"name":"Ada"}']);
  if (invoked.code !== 0) throw new Error(invoked.stderr);
  t.context.executionId = /execution (\S+)/.exec(invoked.stderr)![1]!;
});
test.after.always(async (t) => {
  await t.context.svc?.close();
});

test('-f json prints the API’s items, as --json does', async (t) => {
  const viaFormat = parseJsonOutput<FunctionInfo[]>(t, await t.context.svc.cli(['function', 'list', '-f', 'json']));
  const viaJson = parseJsonOutput<FunctionInfo[]>(t, await t.context.svc.cli(['function', 'list', '--json']));
  t.deepEqual(viaFormat, viaJson);
  t.deepEqual(viaFormat.map((f) => f.name).sort(), ['alpha', 'beta']);
  t.is(viaFormat[0]!.memory_mb, 192);
  t.truthy(viaFormat[0]!.code.sha256);
});

test('-f json -c keeps only the named fields, nested ones by a dotted name', async (t) => {
  const rows = parseJsonOutput<Array<Record<string, unknown>>>(t, await t.context.svc.cli(['function', 'list', '-f', 'json', '-c', 'name', '-c', 'code.format']));
  t.deepEqual(rows.map((r) => Object.keys(r)), [['name', 'code.format'], ['name', 'code.format']]);
  t.deepEqual(rows.map((r) => r['code.format']), ['mjs', 'mjs']);
});

test('-f yaml parses back to what -f json prints', async (t) => {
  const yaml = await t.context.svc.cli(['function', 'show', 'alpha', '-f', 'yaml']);
  t.is(yaml.code, 0, yaml.stderr);
  const json = parseJsonOutput<FunctionInfo>(t, await t.context.svc.cli(['function', 'show', 'alpha', '-f', 'json']));
  t.deepEqual(YAML.parse(yaml.stdout), json);
});

test('-f value -c prints bare values: one row a line for lists, one field a line for one object', async (t) => {
  const names = await t.context.svc.cli(['function', 'list', '-f', 'value', '-c', 'name']);
  t.is(names.code, 0, names.stderr);
  t.deepEqual(names.stdout.split('\n').filter(Boolean).sort(), ['alpha', 'beta']);

  const pair = await t.context.svc.cli(['function', 'list', '-f', 'value', '-c', 'name', '-c', 'memory_mb']);
  t.deepEqual(pair.stdout.split('\n').filter(Boolean).sort(), ['alpha 192', 'beta 192']);

  const fields = await t.context.svc.cli(['function', 'show', 'beta', '-f', 'value', '-c', 'runtime', '-c', 'version']);
  t.is(fields.stdout, 'nodejs20\n1\n');

  const id = await t.context.svc.cli(['execution', 'list', '--function', 'alpha', '-f', 'value', '-c', 'id']);
  t.is(id.stdout, `${t.context.executionId}\n`);
});

test('-f value without -c prints the fields behind the table’s columns', async (t) => {
  const r = await t.context.svc.cli(['execution', 'list', '-f', 'value']);
  t.is(r.code, 0, r.stderr);
  const executions = parseJsonOutput<ExecutionSummaryInfo[]>(t, await t.context.svc.cli(['execution', 'list', '--json']));
  const e = executions[0]!;
  t.is(r.stdout, `${e.id} alpha ${e.function_version} succeeded ${e.timings?.total_ms} ${e.created_at}\n`);
});

test('-f table -c draws a table of the named fields; plain table is the human view', async (t) => {
  const chosen = await t.context.svc.cli(['function', 'list', '-f', 'table', '-c', 'name', '-c', 'memory_mb']);
  t.is(chosen.code, 0, chosen.stderr);
  t.regex(chosen.stdout, /^NAME\s+MEMORY_MB\nalpha\s+192\nbeta\s+192\n$/);
  const human = await t.context.svc.cli(['function', 'list']);
  t.regex(human.stdout, /^NAME\s+RUNTIME\s+HANDLER/);
  t.regex(human.stdout, /192 MiB/);
  const fields = await t.context.svc.cli(['whoami', '-c', 'role', '-c', 'project_id']);
  t.regex(fields.stdout, /^role:\s+admin\nproject_id:\s+\S+\n$/);
});

test('every read command takes -f json', async (t) => {
  const id = t.context.executionId;
  for (const args of [
    ['function', 'versions', 'alpha'],
    ['execution', 'show', id],
    ['execution', 'wait', id],
    ['execution', 'logs', id],
    ['trigger', 'list'],
    ['key', 'list'],
    ['account', 'list'],
    ['runtime', 'list'],
    ['event', 'dead-letters'],
    ['whoami'],
  ]) {
    const r = await t.context.svc.cli([...args, '-f', 'json']);
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    t.notThrows(() => JSON.parse(r.stdout), args.join(' '));
  }
  const logs = parseJsonOutput<{ logs: string; status: string }>(t, await t.context.svc.cli(['execution', 'logs', id, '-f', 'json']));
  t.regex(logs.logs, /log line from hello/);
  const logText = await t.context.svc.cli(['execution', 'logs', id, '-f', 'value', '-c', 'status']);
  t.is(logText.stdout, 'succeeded\n');
});

test('with --json or -f json, an API error is JSON on stderr with its code and message', async (t) => {
  for (const flag of [['--json'], ['-f', 'json']]) {
    const r = await t.context.svc.cli(['function', 'show', 'nope', ...flag]);
    t.is(r.code, 1);
    t.is(r.stdout, '');
    const body = JSON.parse(r.stderr) as { code: string; message: string; status: number };
    t.deepEqual(body, { code: 'not_found', message: "function 'nope' not found", status: 404 });
  }
});

test('with --json, usage errors and an unreachable service are JSON too', async (t) => {
  const parse = await t.context.svc.cli(['function', 'list', '--bogus', '--json']);
  t.is(parse.code, 2);
  t.like(JSON.parse(parse.stderr), { code: 'usage' });
  const column = await t.context.svc.cli(['function', 'list', '-f', 'json', '-c', 'nmae']);
  t.is(column.code, 2);
  t.like(JSON.parse(column.stderr), { code: 'usage', message: "-c nmae: no such column; did you mean 'name'? (columns: name, version, runtime, handler, memory_mb, vcpus, disk_gb, timeout_s, network, isolation, env, code, created_at, updated_at)" });
  const away = await t.context.svc.cli(['whoami', '--json', '--endpoint', `http://127.0.0.1:${await closedPort()}`]);
  t.is(away.code, 1);
  t.like(JSON.parse(away.stderr), { code: 'unreachable' });
});

test('without JSON output, errors stay one line', async (t) => {
  assertOneLineError(t, await t.context.svc.cli(['function', 'show', 'nope', '-f', 'yaml']), /^error: function 'nope' not found$/, 1);
});

test('a bad format or a format contradicting --json is refused before anything is sent', async (t) => {
  assertOneLineError(t, await t.context.svc.cli(['function', 'list', '-f', 'xml']), /-f\/--format must be one of table, json, yaml, value, not 'xml'/, 2);
  const both = await t.context.svc.cli(['function', 'list', '--json', '-f', 'yaml']);
  t.is(both.code, 2);
  t.deepEqual(JSON.parse(both.stderr), { code: 'usage', message: '--json means -f json; it cannot be combined with -f yaml' });
});

test('execution logs: -f is --format; --follow has no short form and is refused with a format', async (t) => {
  const id = t.context.executionId;
  const followed = await t.context.svc.cli(['execution', 'logs', id, '--follow']);
  t.is(followed.code, 0, followed.stderr);
  t.regex(followed.stdout, /log line from hello/);
  assertOneLineError(t, await t.context.svc.cli(['execution', 'logs', id, '--follow', '-f', 'yaml']), /--follow prints the logs as they come/, 2);
  assertOneLineError(t, await t.context.svc.cli(['execution', 'logs', id, '-f']), /-f needs a format .*spell out --follow/, 2);
});
