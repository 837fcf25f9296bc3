/**
 * The one conformance suite every WorkQueue back end passes (BullMQ style): durability
 * across consumers, ack, retry with delay, dead letters, redelivery after a consumer dies.
 */
import test, { type ExecutionContext } from 'ava';
import type { Delivery, WorkQueue, WorkMessage } from '../../service/queue/queue.js';
import { WAIT_CAP_MS as WAIT_MS } from '../_helpers/poll.js';

export interface QueueFixture {
  available(): Promise<boolean>;
  /** A fresh, isolated queue (own table rows / vhost / queue names). */
  create(): Promise<{ queue: WorkQueue; reopen(): Promise<WorkQueue>; deadLetters(): Promise<Array<{ reason: string }>>; cleanup(): Promise<void> }>;
}

const run = (i: number): WorkMessage => ({ kind: 'run', executionId: `e${i}`, projectId: 'p' });

/**
 * Consumes until `n` deliveries arrived. `done` resolves to the running consumer (to stop),
 * or rejects when consume() itself fails: that failure always reaches the test, never an
 * unhandled rejection, even after a `within()` gave up first.
 */
function collect(queue: WorkQueue, n: number, onDelivery: (d: Delivery) => Promise<void> = (d) => d.ack(), prefetch = 4) {
  const seen: Delivery[] = [];
  let resolve!: () => void;
  const delivered = new Promise<void>((r) => (resolve = r));
  const consuming = queue.consume(
    async (d) => {
      seen.push(d);
      await onDelivery(d);
      if (seen.length >= n) resolve();
    },
    { prefetch },
  );
  const done = Promise.all([consuming, delivered]).then(([consumer]) => consumer);
  return { seen, done };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function queueConformance(name: string, fixture: QueueFixture, requireService: (t: ExecutionContext, what: string, ok: boolean) => boolean) {
  const q = (title: string, body: (t: ExecutionContext, f: Awaited<ReturnType<QueueFixture['create']>>) => Promise<void>) =>
    test.serial(`${name}: ${title}`, async (t) => {
      if (!requireService(t, name, await fixture.available())) return;
      const f = await fixture.create();
      try {
        await body(t, f);
      } finally {
        await f.cleanup();
      }
    });

  q('a published message is delivered once and acked', async (t, f) => {
    await f.queue.publish(run(1));
    const c = collect(f.queue, 1);
    const consumer = await within(c.done, WAIT_MS, 'delivery');
    await new Promise((r) => setTimeout(r, 300));
    await consumer.stop();
    t.is(c.seen.length, 1);
    t.deepEqual(c.seen[0]!.message, run(1));
    t.is(c.seen[0]!.attempt, 1);
  });

  q('messages published before any consumer exists wait durably', async (t, f) => {
    for (let i = 0; i < 20; i++) await f.queue.publish(run(i));
    await f.queue.close();
    const reopened = await f.reopen();
    const c = collect(reopened, 20);
    await (await within(c.done, WAIT_MS, '20 deliveries')).stop();
    t.deepEqual(new Set(c.seen.map((d) => (d.message as { executionId: string }).executionId)).size, 20);
  });

  q('retry delivers again after the delay, with the attempt counted', async (t, f) => {
    await f.queue.publish(run(1));
    const times: number[] = [];
    const c = collect(f.queue, 2, async (d) => {
      times.push(Date.now());
      if (d.attempt === 1) await d.retry(600, 'try later');
      else await d.ack();
    });
    await (await within(c.done, WAIT_MS, 'the retry')).stop();
    t.deepEqual(c.seen.map((d) => d.attempt), [1, 2]);
    t.true(times[1]! - times[0]! >= 500, `retried after ${times[1]! - times[0]!} ms`);
  });

  q('dead-lettered messages are kept with their reason and not delivered again', async (t, f) => {
    await f.queue.publish(run(1));
    const c = collect(f.queue, 1, (d) => d.deadLetter('poison: cannot parse'));
    const consumer = await within(c.done, WAIT_MS, 'delivery');
    await new Promise((r) => setTimeout(r, 800));
    await consumer.stop();
    t.is(c.seen.length, 1);
    const dl = await f.deadLetters();
    t.is(dl.length, 1);
    t.is(dl[0]!.reason, 'poison: cannot parse');
  });

  q('a message whose consumer dies before ack is delivered again', async (t, f) => {
    await f.queue.publish(run(1));
    // The first consumer takes the message and never settles it, then its connection goes away.
    let took!: () => void;
    const taken = new Promise<void>((r) => (took = r));
    const first = await f.queue.consume(async () => {
      took();
      await new Promise(() => undefined);
    }, { prefetch: 1 });
    await within(taken, WAIT_MS, 'first delivery');
    void first;
    await f.queue.close();
    const second = await f.reopen();
    const c = collect(second, 1);
    await (await within(c.done, WAIT_MS, 'redelivery')).stop();
    t.is(c.seen[0]!.attempt, 2);
  });

  q('prefetch bounds the messages in flight for one consumer', async (t, f) => {
    for (let i = 0; i < 6; i++) await f.queue.publish(run(i));
    let inFlight = 0;
    let peak = 0;
    const c = collect(
      f.queue,
      6,
      async (d) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 150));
        inFlight--;
        await d.ack();
      },
      2,
    );
    await (await within(c.done, WAIT_MS, 'six deliveries')).stop();
    t.is(peak, 2);
  });
}
