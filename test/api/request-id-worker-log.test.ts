/** The worker's log lines about an execution carry the request id of the call that caused it. */
import test from 'ava';
import { Writable } from 'node:stream';
import { createFunction, startTestService, type TestService } from '../_helpers/service.js';
import { pollUntil } from '../_helpers/poll.js';

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let svc: TestService;
test.before(async () => {
  svc = await startTestService({ logDestination: sink });
  await createFunction(svc, 'traced', 'exports.handler = async () => 1;');
});
test.after.always(async () => {
  await svc?.close();
});

test('"execution finished" names the request id', async (t) => {
  const r = await svc.api('POST', '/v1/functions/traced/invoke', {}, { 'x-request-id': 'trace-worker-7' });
  t.is(r.status, 200, JSON.stringify(r.body));
  const finished = await pollUntil('the worker’s line', async () => lines.find((l) => l.msg === 'execution finished' && l.executionId === r.body.id));
  t.is(finished.requestId, 'trace-worker-7');
});
