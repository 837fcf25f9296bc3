/**
 * The runner-session mailbox wakes its waiters in this process at once: an assignment reaches a
 * long-polling runner, and an outcome the run waiting in env.run(), without waiting for a poll.
 * The polls are set to ten minutes here, so a missed wake-up would hang the test (ava's timeout).
 * Across processes the news goes through RabbitMQ: a write in one wakes the watcher in another.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { RowChanges, runnerSessionChanges } from '../../service/store/row-changes.js';
import { RunnerSessionStore } from '../../service/store/runner-session-store.js';
import { OpenStackEnvironment, DEFAULT_TIMINGS } from '../../service/provisioner/openstack/openstack-environment.js';
import type { ComputeClient } from '../../service/openstack/index.js';
import type { Assignment, RunOutcome } from '../../service/runner/protocol.js';
import { DIALECTS } from '../_helpers/dialects.js';
import { RabbitFinishedBus } from '../../service/queue/rabbit-finished-bus.js';
import { createTestVhost, rabbitAvailable } from '../_helpers/rabbitmq.js';
import { requireService } from '../_helpers/requirements.js';
import { storeTest } from '../_helpers/store-test.js';

const TEN_MINUTES = 600_000;

test('a change between watch and wait ends the wait at once; one before the watch is not seen; nothing is left watching', async (t) => {
  const changes = new RowChanges();
  changes.changed('a');
  const w = changes.watch('a');
  changes.changed('b');
  changes.changed('a');
  await w.wait(TEN_MINUTES);
  t.is(changes.watched, 0);

  const quiet = changes.watch('a');
  const started = Date.now();
  await quiet.wait(20);
  t.true(Date.now() - started >= 15, 'without a change the wait runs its time');
  t.is(changes.watched, 0);

  const aborted = new AbortController();
  const late = changes.watch('a');
  const waiting = late.wait(TEN_MINUTES, aborted.signal);
  aborted.abort();
  await waiting;
  changes.watch('c').stop();
  t.is(changes.watched, 0, 'stopped and aborted watches are gone');
});

const outcome = (n: number): RunOutcome => ({ status: 'succeeded', result: { n }, logs: 'ran\n', logsTruncated: false, startedAt: Date.now(), finishedAt: Date.now() });

for (const d of DIALECTS) {
  storeTest(d, 'the runner’s outcome, recorded in this process, ends env.run() before any poll', async (t, store) => {
    const sessions = new RunnerSessionStore(store.db);
    const id = randomUUID();
    await sessions.create({ id, token: randomUUID(), serverName: 'wake-1', executionId: 'e1', poolKey: null, owner: 'test', leaseMs: TEN_MINUTES });
    const now = Date.now();
    const server = { sessionId: id, serverId: 'srv-1', serverName: 'wake-1', flavor: { id: 'f', name: 'f', ram: 256, vcpus: 1, disk: 1, disabled: false }, image: { id: 'i', name: 'i' }, requestedAt: now, activeAt: now, readyAt: now };
    // Nova is never asked: the server check comes after 5 s and the run ends long before.
    const compute = {} as ComputeClient;
    const env = new OpenStackEnvironment(server as never, { provider: 'openstack', details: {} }, { compute, sessions, serviceUrl: 'http://127.0.0.1:1', timings: { ...DEFAULT_TIMINGS, pollMs: TEN_MINUTES } });
    const assignment: Assignment = {
      executionId: 'e1',
      handler: 'index.handler',
      code: { sha256: 'x'.repeat(64) },
      event: { specversion: '1.0', id: 'ev', source: 's', type: 't' },
      env: {},
      context: { functionName: 'f', functionVersion: 1, memoryMb: 128, timeoutS: 30, deadline: now + 30_000 },
      logLimitBytes: 1 << 20,
    };
    const running = env.run(assignment);
    // The runner's side, as the routes do it: wait for the assignment (woken by assign), then report.
    let picked: Assignment | null = null;
    for (;;) {
      const watch = runnerSessionChanges.watch(id);
      picked = await sessions.pick(id);
      if (picked) {
        watch.stop();
        break;
      }
      await watch.wait(TEN_MINUTES);
    }
    t.is(picked.code.url, 'http://127.0.0.1:1/v1/runner/code', 'the runner got the assignment with the code’s URL');
    t.true(await sessions.started(id));
    t.true(await sessions.finish(id, outcome(7)));
    t.like(await running, { status: 'succeeded', result: { n: 7 } });
    t.is(runnerSessionChanges.watched, 0, 'the run leaves nothing watching');
  });
}

test('across processes: a row written in one process wakes the watcher of another through RabbitMQ; after unrelay it does not', async (t) => {
  if (!requireService(t, 'RabbitMQ', await rabbitAvailable())) return;
  const vhost = await createTestVhost();
  const exchange = 'fnstack.runner-sessions';
  const [busA, busB] = [await RabbitFinishedBus.connect(vhost.url, { exchange }), await RabbitFinishedBus.connect(vhost.url, { exchange })];
  try {
    const [worker, api] = [new RowChanges(), new RowChanges()];
    worker.relay(busA);
    const unrelayApi = api.relay(busB);
    // Both ways, as in env.run() (worker) and the runner's long-poll (API).
    const pickup = api.watch('s1');
    worker.changed('s1');
    await pickup.wait(TEN_MINUTES);
    const outcome = worker.watch('s1');
    api.changed('s1');
    await outcome.wait(TEN_MINUTES);
    t.is(worker.watched + api.watched, 0);

    unrelayApi();
    const deaf = api.watch('s2');
    worker.changed('s2');
    const heard = await Promise.race([deaf.wait(1500).then(() => 'woken or timed out'), new Promise((r) => setTimeout(() => r('still waiting'), 300))]);
    t.is(heard, 'still waiting', 'an unrelayed process hears nothing');
    deaf.stop();
  } finally {
    await busA.close();
    await busB.close();
    await vhost.drop();
  }
});
