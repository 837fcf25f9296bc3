/** Live logs: output reaches GET /v1/executions/{id}/logs while the function runs, within the cap. */
import test from 'ava';
import { startTestService, createFunction, type TestService } from '../_helpers/service.js';
import { pollUntil } from '../_helpers/poll.js';

const LOG_CAP = 16 * 1024;
const FINAL = ['succeeded', 'failed', 'timed_out'];

let svc: TestService;
test.before(async () => {
  svc = await startTestService({ env: { FNSTACK_LOG_LIMIT_BYTES: String(LOG_CAP) } });
  // Prints, then waits far longer than any test: only its timeout ends it.
  await createFunction(svc, 'waiter', 'exports.handler = async () => { console.log("first line"); console.error("then \\u001b[31mred\\u001b[0m"); await new Promise((r) => setTimeout(r, 600000)); };', { timeout_s: 20 });
  await createFunction(svc, 'warm-waiter', 'exports.handler = async () => { console.log("warm line"); await new Promise((r) => setTimeout(r, 600000)); };', { timeout_s: 20, isolation: 'reuse' });
  await createFunction(svc, 'flood', 'exports.handler = async () => { const line = "x".repeat(999) + "\\n"; for (;;) await new Promise((r) => process.stdout.write(line, r)); };', { timeout_s: 3 });
});
test.after.always(async () => {
  await svc?.close();
});

async function invokeAsync(name: string): Promise<string> {
  const r = await svc.api('POST', `/v1/functions/${name}/invoke?mode=async`, {});
  if (r.status !== 202) throw new Error(`invoke ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.execution_id as string;
}

test('the first line is served while the execution still runs, and cursors give only what is new', async (t) => {
  const id = await invokeAsync('waiter');
  const live = await pollUntil('the first line in the live logs', async () => {
    const r = await svc.api('GET', `/v1/executions/${id}/logs`);
    return /first line/.test(r.body.logs) && /red/.test(r.body.logs) ? r.body : undefined;
  });
  t.is(live.status, 'running', 'the line came before the execution finished');
  t.false(live.truncated);
  t.is(live.logs, 'first line\nthen \u001b[31mred\u001b[0m\n', 'stdout and stderr in order, the bytes as written (clients escape them)');
  t.is(live.cursor, String(live.logs.length));
  t.false(live.reset);

  const next = await svc.api('GET', `/v1/executions/${id}/logs?after=${live.cursor}`);
  t.is(next.status, 200);
  t.is(next.body.logs, '', 'nothing new after the cursor');
  t.is(next.body.cursor, live.cursor);

  const beyond = await svc.api('GET', `/v1/executions/${id}/logs?after=999999`);
  t.true(beyond.body.reset, 'a cursor beyond the logs starts them again');
  t.is(beyond.body.logs, live.logs);

  const bad = await svc.api('GET', `/v1/executions/${id}/logs?after=-1`);
  t.is(bad.status, 400);
  t.regex(JSON.stringify(bad.body), /after/);

  const done = await pollUntil('the execution to time out', async () => {
    const r = await svc.api('GET', `/v1/executions/${id}/logs?after=${live.cursor}`);
    return FINAL.includes(r.body.status) ? r.body : undefined;
  });
  t.is(done.status, 'timed_out');
  const whole = await svc.api('GET', `/v1/executions/${id}/logs`);
  t.true(whole.body.logs.startsWith(live.logs), 'the final logs continue the live ones: cursors stay valid');
});

test('a function writing without end never grows its stored logs past the cap', async (t) => {
  const id = await invokeAsync('flood');
  let largestWhileRunning = 0;
  let pollsWithLogs = 0;
  const done = await pollUntil(
    'the flood to end',
    async () => {
      const r = await svc.api('GET', `/v1/executions/${id}/logs`);
      if (!FINAL.includes(r.body.status)) {
        const bytes = Buffer.byteLength(r.body.logs);
        largestWhileRunning = Math.max(largestWhileRunning, bytes);
        if (bytes > 0) pollsWithLogs++;
        return undefined;
      }
      return r.body;
    },
    { everyMs: 50 },
  );
  t.true(pollsWithLogs > 0, 'output was visible while the function ran');
  t.true(largestWhileRunning <= LOG_CAP, `live logs stayed within the cap (${largestWhileRunning} bytes)`);
  t.is(done.status, 'timed_out');
  t.true(done.truncated);
  const body = done.logs.replace(/\n?\[fnstack: output truncated after \d+ bytes\]\n$/, '');
  t.true(Buffer.byteLength(body) <= LOG_CAP, `the final logs within the cap: ${Buffer.byteLength(body)} bytes, ending ${JSON.stringify(done.logs.slice(-300))}`);
  t.regex(done.logs, /output truncated/);
});

test('a warm sandbox (isolation: reuse) serves its output live too', async (t) => {
  const id = await invokeAsync('warm-waiter');
  const live = await pollUntil('the warm line in the live logs', async () => {
    const r = await svc.api('GET', `/v1/executions/${id}/logs`);
    return /warm line/.test(r.body.logs) ? r.body : undefined;
  });
  t.is(live.status, 'running', 'not held back until the run ends');
  t.is(live.logs, 'warm line\n');
});
