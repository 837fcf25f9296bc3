/**
 * The supervisor and executor without any sandbox, as the VM agent runs them: a plain
 * `node executor.js` child, its process group killed at the deadline.
 */
import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXECUTOR_PATH, supervise, type SuperviseOptions } from '../../service/runner/supervisor.js';
import type { Assignment, RunOutcome } from '../../service/runner/protocol.js';

let root: string;
test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fnstack-runner-'));
  await writeFile(join(root, 'package.json'), '{}'); // the package scope boundary the sandbox provides
});
test.after.always(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function run(source: string, opts: { timeoutS?: number; logLimitBytes?: number; signal?: AbortSignal; argv?: string[] } & SuperviseOptions = {}): Promise<RunOutcome & { ms: number }> {
  const dir = join(root, `c${++n}`);
  await mkdir(dir);
  await writeFile(join(dir, 'index.js'), source);
  const timeoutS = opts.timeoutS ?? 10;
  const a: Assignment = {
    executionId: `e${n}`,
    handler: 'index.handler',
    code: { dir, sha256: 'x' },
    event: { specversion: '1.0', id: '1', source: 'test', type: 't', data: { n } },
    env: { FNSTACK_EXECUTION_ID: `e${n}` },
    context: { functionName: 'f', functionVersion: 1, memoryMb: 128, timeoutS, deadline: Date.now() + timeoutS * 1000 },
    logLimitBytes: opts.logLimitBytes ?? 10_000,
  };
  const started = Date.now();
  const outcome = await supervise(a, { argv: opts.argv ?? [process.execPath, EXECUTOR_PATH], cwd: dir, env: { PATH: '/usr/bin:/bin', ...a.env } }, opts.signal, opts);
  return { ...outcome, ms: Date.now() - started };
}

test('runs a handler plainly and returns its result and logs', async (t) => {
  const o = await run(`exports.handler = (e, ctx) => { console.log('hi'); return { n: e.data.n, id: ctx.executionId, env: process.env.FNSTACK_EXECUTION_ID }; };`);
  t.is(o.status, 'succeeded', JSON.stringify(o));
  t.deepEqual(o.result, { n, id: `e${n}`, env: `e${n}` });
  t.is(o.logs, 'hi\n');
  t.is(o.exitCode, 0);
  t.true(o.finishedAt >= o.startedAt);
});

test('garbage written to fd 3 by the function is ignored', async (t) => {
  const o = await run(`exports.handler = () => { require('fs').writeSync(3, 'not json\\n{"type":"nonsense"}\\n'); return 'real'; };`);
  t.is(o.status, 'succeeded', JSON.stringify(o));
  t.is(o.result, 'real');
});

test('a result larger than the message limit is refused', async (t) => {
  const o = await run(`exports.handler = () => 'x'.repeat(100000);`, { maxMessageBytes: 1000 });
  t.is(o.status, 'failed');
  t.is(o.failure?.kind, 'result_not_serializable');
  t.regex(o.failure?.message ?? '', /larger than the limit of 1000 bytes/);
});

test('a command that cannot start is a runner_error', async (t) => {
  const o = await run(`exports.handler = () => 1;`, { argv: ['/nonexistent/node'] });
  t.is(o.status, 'failed');
  t.is(o.failure?.kind, 'runner_error');
});

test('an executor that dies before it starts the function is a runner_error', async (t) => {
  const o = await run(`exports.handler = () => 1;`, { argv: [process.execPath, '-e', 'process.exit(9)'] });
  t.is(o.failure?.kind, 'runner_error', JSON.stringify(o));
  t.is(o.exitCode, 9);
});

test('the deadline kills the process group, children included', async (t) => {
  const o = await run(
    `exports.handler = () => { const c = require('child_process').spawn('sleep', ['300'], { stdio: 'ignore' }); console.log('CHILD ' + c.pid); for (;;) {} };`,
    { timeoutS: 1 },
  );
  t.is(o.status, 'timed_out');
  const pid = Number(/CHILD (\d+)/.exec(o.logs)?.[1]);
  t.true(pid > 0, o.logs);
  await new Promise((r) => setTimeout(r, 100));
  let state = 'gone';
  try {
    state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 'gone';
  } catch {
    // gone
  }
  t.true(state === 'gone' || state === 'Z', `child is in state ${state}`);
});

test('aborting the run kills it and reports a runner_error', async (t) => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('service shutting down')), 300);
  const o = await run(`exports.handler = () => new Promise(() => {});`, { signal: ac.signal });
  t.is(o.failure?.kind, 'runner_error');
  t.regex(o.failure?.message ?? '', /aborted: service shutting down/);
});

test('the log cap applies in plain mode too', async (t) => {
  const o = await run(`exports.handler = () => { console.log('z'.repeat(5000)); return 1; };`, { logLimitBytes: 1000 });
  t.is(o.status, 'succeeded');
  t.true(o.logsTruncated);
  t.true(o.logs.startsWith('z'.repeat(1000) + '\n[fnstack: output truncated after 1000 bytes]'));
});

test('loading the module does not count against the timeout; init time is recorded apart', async (t) => {
  // 1.5 s of top-level work, then a 2 s timeout that starts when the handler does
  const o = await run(`const end = Date.now() + 1500; while (Date.now() < end) {} exports.handler = (e, ctx) => ({ left: ctx.getRemainingTimeMs() });`, { timeoutS: 2 });
  t.is(o.status, 'succeeded', JSON.stringify(o));
  t.true((o.initMs ?? 0) >= 1000, `init ${o.initMs}`);
  t.true((o.result as { left: number }).left > 1500, `left ${JSON.stringify(o.result)}`);
});

test('a module that never finishes loading hits the init bound, named as such', async (t) => {
  const o = await run(`for (;;) {}`, { timeoutS: 1 });
  t.is(o.status, 'timed_out', JSON.stringify(o));
  t.is(o.failure?.kind, 'timeout');
  t.regex(o.failure?.message ?? '', /module did not finish loading within 10 s/);
  t.is(o.initMs, undefined);
});

test('a handler that runs past its timeout after a quick load is an ordinary timeout', async (t) => {
  const o = await run(`exports.handler = () => new Promise(() => {});`, { timeoutS: 1 });
  t.is(o.status, 'timed_out');
  t.regex(o.failure?.message ?? '', /did not finish within its timeout of 1 s/);
  t.is(typeof o.initMs, 'number');
});

test('a missing export lists what the module exports', async (t) => {
  const o = await run(`exports.foo = () => 1; exports.bar = 2;`);
  t.is(o.failure?.kind, 'load_error');
  t.is(o.failure?.message, "handler 'handler' not found in index.js; the module exports: bar, foo");
});

test('a module exporting nothing says so', async (t) => {
  const o = await run(`const handler = () => 1;`);
  t.regex(o.failure?.message ?? '', /handler 'handler' not found in index\.js; the module exports nothing/);
});

test('an export that is not a function says what it is', async (t) => {
  const o = await run(`exports.handler = { a: 1 }; exports.main = () => 1;`);
  t.is(o.failure?.message, "handler 'handler' is not a function (it is object) in index.js; the module exports: handler, main");
});

test('a Lambda-style callback handler finishes with callback(null, result)', async (t) => {
  const o = await run(`exports.handler = function (event, context, callback) { setTimeout(() => callback(null, { ok: event.data.n }), 10); };`);
  t.is(o.status, 'succeeded', JSON.stringify(o));
  t.deepEqual(o.result, { ok: n });
});

test('a Lambda-style callback handler fails with callback(error)', async (t) => {
  const o = await run(`exports.handler = (event, context, callback) => callback(new Error('nope'));`);
  t.is(o.failure?.kind, 'handler_error');
  t.regex(o.failure?.message ?? '', /Error: nope/);
});

test('a returned Buffer arrives as base64 with a content type', async (t) => {
  const o = await run(`exports.handler = () => Buffer.from('png-bytes');`);
  t.is(o.status, 'succeeded', JSON.stringify(o));
  t.deepEqual(o.result, { $binary: Buffer.from('png-bytes').toString('base64'), content_type: 'application/octet-stream' });
});
