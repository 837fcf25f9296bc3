/**
 * An API process with no worker says so: /ready is 503 naming why, and a sync invoke fails
 * fast (503) instead of waiting out its timeout. Once a worker (`--role worker`, with its
 * operator listener) consumes the queue, both recover.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService } from '../../service/main.js';
import { createFunction, startTestService } from '../_helpers/service.js';
import { pollUntil } from '../_helpers/poll.js';

const SECRETS = { FNSTACK_SECRETS_KEY: 'cd'.repeat(32) };

test('no worker: /ready 503 and sync invoke 503; a worker started later makes both work', async (t) => {
  const api = await startTestService({ role: 'api', env: SECRETS });
  let worker: RunningService | null = null;
  const workerDir = await mkdtemp(join(tmpdir(), 'fnstack-ready-worker-'));
  try {
    await createFunction(api, 'waiting', 'exports.handler = async () => "ran";');
    const ready = await api.api('GET', '/ready');
    t.is(ready.status, 503);
    t.is(ready.body.status, 'not_ready');
    t.regex(ready.body.checks.workers, /no worker consumes the work queue/);
    t.is(ready.body.checks.store, 'ok');

    const sync = await api.api('POST', '/v1/functions/waiting/invoke', {});
    t.is(sync.status, 503);
    t.is(sync.body.code, 'not_ready');
    t.regex(sync.body.message, /no worker consumes the work queue/);
    t.truthy(sync.headers.get('retry-after'));
    t.is((await api.api('GET', '/v1/executions?function=waiting')).body.items.length, 0, 'nothing was accepted');

    const queued = await api.api('POST', '/v1/functions/waiting/invoke?mode=async', {});
    t.is(queued.status, 202, 'async still queues the work for a worker to come');

    worker = await startService({
      role: 'worker',
      port: 0,
      log: false,
      env: { ...SECRETS, FNSTACK_DATA_DIR: workerDir, FNSTACK_DATABASE_URL: api.databaseUrl, FNSTACK_QUEUE_URL: api.queueUrl, FNSTACK_OPERATOR_PORT: '0' },
    });
    t.is(worker.url, null, 'a worker opens no API');
    const op = worker.operatorUrl!;
    t.regex(op, /^http:\/\/127\.0\.0\.1:\d+$/);
    t.is((await fetch(`${op}/health`)).status, 200);
    const workerReady = await fetch(`${op}/ready`);
    t.is(workerReady.status, 200, await workerReady.clone().text());
    t.is(((await workerReady.json()) as { checks: Record<string, string> }).checks.workers, undefined, 'a worker needs no other worker');

    await pollUntil('the API to see the worker', async () => ((await api.api('GET', '/ready')).status === 200 ? true : undefined));
    const done = await pollUntil('the queued execution to run', async () => {
      const e = (await api.api('GET', `/v1/executions/${queued.body.execution_id}`)).body;
      return e.status === 'succeeded' ? e : undefined;
    });
    t.is(done.result, 'ran');
    const again = await pollUntil('a sync invoke to be accepted', async () => {
      const r = await api.api('POST', '/v1/functions/waiting/invoke', {});
      return r.status === 503 ? undefined : r;
    });
    t.is(again.status, 200);
    const metrics = await (await fetch(`${op}/metrics`)).text();
    t.regex(metrics, /fnstack_executions_total\{project_id="[^"]+",function="waiting",status="succeeded",error_kind=""\} [12]/, 'the worker counts what it ran');
  } finally {
    await worker?.close();
    await api.close();
    await rm(workerDir, { recursive: true, force: true });
  }
});
