/**
 * Waiting paths of the CLI against a scripted service: a synchronous invoke the service
 * stops waiting for (202), and `execution logs --follow` on growing logs.
 */
import test from 'ava';
import { cliSandbox, runCli, withoutSpinner } from './_helpers/cli-harness.js';
import { fakeServer, sendJson } from './_helpers/fake-server.js';

const sandbox = cliSandbox({ FNSTACK_API_KEY: 'fsk_test' });

function execution(status: string, extra: Record<string, unknown> = {}) {
  return { id: 'e1', function: 'slow', function_version: 1, event_id: 'ev', status, attempts: 1, result: null, error: null, logs_truncated: false, ...extra };
}

test('a sync invoke answered with 202 is polled to its final status', async (t) => {
  let polls = 0;
  let ceId: string | undefined;
  const server = await fakeServer((req, res) => {
    if (req.method === 'POST' && req.url === '/v1/functions/slow/invoke?mode=sync') {
      ceId = req.headers['ce-id'] as string;
      return sendJson(res, 202, { execution_id: 'e1', status: 'running' });
    }
    if (req.url === '/v1/executions/e1') {
      polls++;
      return sendJson(res, 200, polls < 3 ? execution('running') : execution('succeeded', { result: { answer: 42 } }));
    }
    sendJson(res, 404, { code: 'not_found', message: `unexpected ${req.method} ${req.url}` });
  });
  t.teardown(() => server.close());
  const r = await runCli(['function', 'invoke', 'slow', '--endpoint', server.url], { cwd: sandbox.cwd, env: sandbox.env });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { answer: 42 });
  t.is(polls, 3);
  t.regex(ceId ?? '', /^[0-9a-f-]{36}$/, 'the CLI names the event itself');
});

test('a failed execution: exit 1, kind and message, the last 20 log lines', async (t) => {
  const logs = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  const server = await fakeServer((req, res) => {
    if (req.method === 'POST') return sendJson(res, 200, execution('timed_out', { error: { kind: 'timeout', message: 'ran for more than 3 s' } }));
    if (req.url === '/v1/executions/e1/logs') return sendJson(res, 200, { execution_id: 'e1', status: 'timed_out', logs, truncated: false });
    sendJson(res, 404, { code: 'not_found', message: 'no' });
  });
  t.teardown(() => server.close());
  const r = await runCli(['function', 'invoke', 'slow', '--endpoint', server.url], { cwd: sandbox.cwd, env: sandbox.env });
  t.is(r.code, 1);
  t.is(r.stdout, '');
  const lines = withoutSpinner(r.stderr).trimEnd().split('\n');
  t.is(lines[0], 'error: execution e1 timed out (timeout): ran for more than 3 s');
  t.is(lines[1], 'last log lines:');
  t.deepEqual(lines.slice(2, 22), Array.from({ length: 20 }, (_, i) => `  | line ${i + 11}`));
  t.regex(lines[22]!, /fnstack execution logs e1/);
});

test('logs --follow prints only what is new, until a final status', async (t) => {
  const stages = [
    { status: 'provisioning', logs: '' },
    { status: 'running', logs: 'one\n' },
    { status: 'running', logs: 'one\ntwo\n' },
    { status: 'succeeded', logs: 'one\ntwo\nthree' },
  ];
  let i = 0;
  const server = await fakeServer((req, res) => {
    const stage = stages[Math.min(i++, stages.length - 1)]!;
    sendJson(res, 200, { execution_id: 'e1', status: stage.status, logs: stage.logs, truncated: false });
  });
  t.teardown(() => server.close());
  const r = await runCli(['execution', 'logs', 'e1', '--follow', '--endpoint', server.url], { cwd: sandbox.cwd, env: sandbox.env });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'one\ntwo\nthree\n');
  t.is(r.stderr, 'execution e1 succeeded\n');
  t.is(i, 4);
});
