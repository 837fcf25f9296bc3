/**
 * A sync invoke learns an outcome from a notice, not from polling: in-process through the
 * emitter, across processes through the RabbitMQ finished bus (real broker, own vhost). The
 * safety poll is set far beyond the wait in these tests, so only a notice can end the wait
 * with a final state.
 */
import test from 'ava';
import { pollUntil } from '../_helpers/poll.js';
import { ExecutionEvents } from '../../service/orchestrator/execution-events.js';
import { RabbitFinishedBus } from '../../service/queue/rabbit-finished-bus.js';
import { createTestVhost, rabbitAvailable } from '../_helpers/rabbitmq.js';
import { requireService } from '../_helpers/requirements.js';

import type { ExecutionStatus } from '../../service/model.js';

type S = { status: ExecutionStatus };
const NO_POLL = 10 * 60_000;

/** A fake store row that turns final when `finish` is called; counts reads. */
function row() {
  const r: { status: ExecutionStatus; reads: number } = { status: 'queued', reads: 0 };
  return { r, load: async (): Promise<S> => (r.reads++, { status: r.status }), finish: () => (r.status = 'succeeded') };
}

test('in-process: the waiter reads the store once, when the notice comes', async (t) => {
  const events = new ExecutionEvents({ fallbackPollMs: NO_POLL });
  const x = row();
  const waiting = events.waitFinal('e1', 30_000, x.load, { status: 'queued' });
  setTimeout(() => {
    x.finish();
    events.finished('e1');
  }, 20);
  t.deepEqual(await waiting, { status: 'succeeded' });
  t.is(x.r.reads, 1);
});

test('without a notice the waiter ends at its timeout with the latest state', async (t) => {
  const events = new ExecutionEvents({ fallbackPollMs: NO_POLL });
  const x = row();
  t.deepEqual(await events.waitFinal('e2', 50, x.load, { status: 'queued' }), { status: 'queued' });
});

test('a notice that arrives while the store is being read is not lost', async (t) => {
  const events = new ExecutionEvents({ fallbackPollMs: NO_POLL });
  let reads = 0;
  let status: ExecutionStatus = 'queued';
  const load = async (): Promise<S> => {
    reads++;
    const seen = status;
    if (reads === 1) {
      // The outcome is recorded and announced after this read saw it queued.
      status = 'succeeded';
      events.finished('e3');
    }
    return { status: seen };
  };
  t.deepEqual(await events.waitFinal('e3', 30_000, load), { status: 'succeeded' });
  t.is(reads, 2);
});

test('across processes: a notice published on RabbitMQ wakes the waiter of another bus; a worker-only bus does not listen', async (t) => {
  if (!requireService(t, 'RabbitMQ', await rabbitAvailable())) return;
  const vhost = await createTestVhost();
  const [worker, api] = [await RabbitFinishedBus.connect(vhost.url, { listen: false }), await RabbitFinishedBus.connect(vhost.url)];
  const heardByWorker: string[] = [];
  worker.subscribe((id) => heardByWorker.push(id));
  try {
    const workerEvents = new ExecutionEvents({ bus: worker, fallbackPollMs: NO_POLL });
    const apiEvents = new ExecutionEvents({ bus: api, fallbackPollMs: NO_POLL });
    const x = row();
    const waiting = apiEvents.waitFinal('e4', 60_000, x.load, { status: 'queued' });
    setTimeout(() => {
      x.finish();
      workerEvents.finished('e4');
    }, 50);
    t.deepEqual(await waiting, { status: 'succeeded' });
    t.is(x.r.reads, 1);
    const heardByApi: string[] = [];
    api.subscribe((id) => heardByApi.push(id));
    api.publish('e5');
    await pollUntil('the API bus to hear e5', async () => (heardByApi.includes('e5') ? true : undefined));
    await new Promise((r) => setTimeout(r, 100)); // the fanout copies to every bound queue at once
    t.deepEqual(heardByWorker, [], 'the worker-only bus has no queue: it hears no notice, its own or another’s');
  } finally {
    await worker.close();
    await api.close();
    await vhost.drop();
  }
});
