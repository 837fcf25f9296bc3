/** End to end: invoke (sync, async, failing) and the execution commands. */
import anyTest, { type TestFn } from 'ava';
import type { ExecutionInfo, ExecutionLogs } from '../../../cli/api-types.js';
import { parseJsonOutput, withoutSpinner } from '../_helpers/cli-harness.js';
import { startTestService, type TestService } from '../_helpers/test-service.js';
import { failingFile, helloFile, slowFile } from '../_helpers/fixtures.js';
import { tempDir, writeTree } from '../_helpers/tmp.js';

const test = anyTest as TestFn<{ svc: TestService }>;

test.before(async (t) => {
  const svc = await startTestService();
  t.context.svc = svc;
  for (const [name, code, handler] of [
    ['hello', helloFile(), 'hello.handler'],
    ['fail', failingFile(), 'fail.handler'],
    ['slow', slowFile(2), 'slow.handler'],
  ] as const) {
    const r = await svc.cli(['function', 'create', name, '--runtime', 'nodejs20', '--handler', handler, '--code', code]);
    if (r.code !== 0) throw new Error(`could not create ${name}: ${r.stderr}`);
  }
});
test.after.always(async (t) => {
  await t.context.svc?.close();
});

test.serial('sync invoke prints the result as JSON and exits 0', async (t) => {
  const r = await t.context.svc.cli(['function', 'invoke', 'hello', '--data', '{"name":"ava"}']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { greeting: 'hello ava' });
  t.regex(withoutSpinner(r.stderr), /^execution \S+ succeeded in \d+ ms\n$/, 'the execution id on stderr, nothing else but (on a slow machine) plain progress lines');
});

test.serial('sync invoke --log prints the tail of the logs on stderr, the result alone on stdout', async (t) => {
  const r = await t.context.svc.cli(['function', 'invoke', 'hello', '--data', '{"name":"logged"}', '--log']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { greeting: 'hello logged' });
  t.regex(r.stderr, /logs of execution \S+:\n/);
});

test.serial('sync invoke reads --data @file and --data -', async (t) => {
  const file = `${writeTree(tempDir(), { 'event.json': '{"name":"from-file"}' })}/event.json`;
  const fromFile = await t.context.svc.cli(['function', 'invoke', 'hello', '--data', `@${file}`]);
  t.deepEqual(JSON.parse(fromFile.stdout), { greeting: 'hello from-file' });
  const fromStdin = await t.context.svc.cli(['function', 'invoke', 'hello', '--data', '-'], { input: '{"name":"piped"}' });
  t.deepEqual(JSON.parse(fromStdin.stdout), { greeting: 'hello piped' });
});

test.serial('a failing execution exits 1 with the error kind, message and last log lines on stderr', async (t) => {
  const r = await t.context.svc.cli(['function', 'invoke', 'fail']);
  t.is(r.code, 1);
  t.is(r.stdout, '');
  t.regex(withoutSpinner(r.stderr), /^error: execution \S+ failed \(handler_error\): .*boom from the handler/);
  t.regex(r.stderr, /last log lines:\n(.*\n)*\s+\| about to fail/);
  t.regex(r.stderr, /\| stderr before the throw/);
  t.notRegex(r.stderr, /\n\s+at .*cli\//, 'no CLI stack trace');
});

test.serial('--json prints the whole execution, still failing with exit 1', async (t) => {
  const r = await t.context.svc.cli(['function', 'invoke', 'fail', '--json']);
  t.is(r.code, 1);
  const execution = JSON.parse(r.stdout) as ExecutionInfo;
  t.like(execution, { function: 'fail', status: 'failed', error: { kind: 'handler_error' } });
});

test.serial('async invoke prints the id; show, list and logs --follow find it', async (t) => {
  const svc = t.context.svc;
  const r = await svc.cli(['function', 'invoke', 'slow', '--async', '--type', 'com.example.test']);
  t.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  t.regex(id, /^\S+$/);

  const followed = await svc.cli(['execution', 'logs', id, '--follow']);
  t.is(followed.code, 0, followed.stderr);
  t.regex(followed.stdout, /tick 1\n(.*\n)*tick 4\n/);
  t.regex(followed.stderr, new RegExp(`execution ${id} succeeded`));

  const shown = await svc.cli(['execution', 'show', id]);
  t.is(shown.code, 0, shown.stderr);
  t.regex(shown.stdout, new RegExp(`^id: +${id}$`, 'm'));
  t.regex(shown.stdout, /^function: +slow \(version 1\)$/m);
  t.regex(shown.stdout, /^status: +succeeded$/m);
  t.regex(shown.stdout, /^result:\n {2}"done"$/m);

  const json = parseJsonOutput<ExecutionInfo>(t, await svc.cli(['execution', 'show', id, '--json']));
  t.like(json, { id, status: 'succeeded', result: 'done', function: 'slow' });

  const logs = parseJsonOutput<ExecutionLogs>(t, await svc.cli(['execution', 'logs', id, '--json']));
  t.like(logs, { execution_id: id, status: 'succeeded', truncated: false });
  t.regex(logs.logs, /tick 4/);

  const listed = await svc.cli(['execution', 'list', '--function', 'slow']);
  t.is(listed.code, 0, listed.stderr);
  t.regex(listed.stdout, /^ID\s+FUNCTION\s+VERSION\s+STATUS\s+DURATION\s+CREATED\n/);
  t.regex(listed.stdout, new RegExp(`^${id}\\s+slow\\s+1\\s+succeeded\\s`, 'm'));
});

test.serial('execution wait waits for an async execution, shows it, and exits by its status', async (t) => {
  const ok = await t.context.svc.cli(['function', 'invoke', 'hello', '--data', '{"name":"waited"}', '--async']);
  t.is(ok.code, 0, ok.stderr);
  const waited = await t.context.svc.cli(['execution', 'wait', ok.stdout.trim(), '--json']);
  t.is(waited.code, 0, waited.stderr);
  const body = JSON.parse(waited.stdout) as { status: string; result: unknown };
  t.is(body.status, 'succeeded');
  t.deepEqual(body.result, { greeting: 'hello waited' });
  const bad = await t.context.svc.cli(['function', 'invoke', 'fail', '--async']);
  t.is((await t.context.svc.cli(['execution', 'wait', bad.stdout.trim()])).code, 1);
});

test.serial('execution list filters by status and honours --limit', async (t) => {
  const svc = t.context.svc;
  const failed = parseJsonOutput<ExecutionInfo[]>(t, await svc.cli(['execution', 'list', '--status', 'failed', '--json']));
  t.true(failed.length >= 2);
  t.true(failed.every((e) => e.status === 'failed' && e.function === 'fail'));
  const one = parseJsonOutput<ExecutionInfo[]>(t, await svc.cli(['execution', 'list', '--limit', '1', '--json']));
  t.is(one.length, 1);
  const all = parseJsonOutput<ExecutionInfo[]>(t, await svc.cli(['execution', 'list', '--json']));
  t.is(one[0]!.id, all[0]!.id, 'newest first');
});

test.serial('plain execution logs print the captured output', async (t) => {
  const svc = t.context.svc;
  const [latestFail] = parseJsonOutput<ExecutionInfo[]>(t, await svc.cli(['execution', 'list', '--function', 'fail', '--limit', '1', '--json']));
  const r = await svc.cli(['execution', 'logs', latestFail!.id]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /about to fail/);
  t.regex(r.stdout, /stderr before the throw/);
});

test.serial('a result over the inline bound: invoke and execution show print it whole, execution result streams it as stored', async (t) => {
  const svc = t.context.svc;
  const code = `${writeTree(tempDir(), { 'big.js': 'exports.handler = async () => ({ rows: "é".repeat(200000) });' })}/big.js`;
  t.is((await svc.cli(['function', 'create', 'big', '--runtime', 'nodejs20', '--handler', 'big.handler', '--code', code])).code, 0);
  const expected = { rows: 'é'.repeat(200_000) };
  const invoked = await svc.cli(['function', 'invoke', 'big']);
  t.is(invoked.code, 0, invoked.stderr);
  t.deepEqual(JSON.parse(invoked.stdout), expected);
  const [listed] = parseJsonOutput<ExecutionInfo[]>(t, await svc.cli(['execution', 'list', '--function', 'big', '--json']));
  t.false('result' in listed!, 'lists carry no result');
  t.is(listed!.result_bytes, Buffer.byteLength(JSON.stringify(expected)));
  const shown = parseJsonOutput<ExecutionInfo>(t, await svc.cli(['execution', 'show', listed!.id, '--json']));
  t.deepEqual(shown.result, expected);
  const plain = await svc.cli(['execution', 'show', listed!.id]);
  t.true(plain.stdout.includes('"rows": "éééé'), 'the plain view shows the whole result too');
  const raw = await svc.cli(['execution', 'result', listed!.id]);
  t.is(raw.code, 0, raw.stderr);
  t.is(raw.stdout, JSON.stringify(expected));
});
