/** The warm-sandbox bookkeeping alone (no processes): caps, waiting, eviction, idle release, keys never crossing. */
import test from 'ava';
import { ReusePool, type ReuseHooks } from '../../service/provisioner/local/reuse-pool.js';
import { pollUntil } from '../_helpers/poll.js';

interface Fake {
  key: string;
  n: number;
}

function hooksFor(key: string, log: { created: Fake[]; destroyed: Fake[] }): ReuseHooks<Fake> {
  return {
    create: async () => {
      const f = { key, n: log.created.length + 1 };
      log.created.push(f);
      return f;
    },
    destroy: async (f) => {
      log.destroyed.push(f);
    },
  };
}

test('a free sandbox of the same key is reused; another key never gets it', async (t) => {
  const log = { created: [] as Fake[], destroyed: [] as Fake[] };
  const pool = new ReusePool<Fake>({ idleMs: 60_000, maxPerFunction: 2, maxPerProject: 4 });
  const a1 = await pool.take('a', 'p', hooksFor('a', log));
  t.is(a1.reuseCount, 0);
  await pool.give(a1.sandbox, true);
  const a2 = await pool.take('a', 'p', hooksFor('a', log));
  t.is(a2.sandbox, a1.sandbox);
  t.is(a2.reuseCount, 1);
  await pool.give(a2.sandbox, true);
  const b = await pool.take('b', 'p', hooksFor('b', log));
  t.not(b.sandbox, a1.sandbox);
  t.is(b.sandbox.key, 'b');
  await pool.close();
});

test('at the per-function cap an event waits for the busy sandbox, and gets it next', async (t) => {
  const log = { created: [] as Fake[], destroyed: [] as Fake[] };
  const pool = new ReusePool<Fake>({ idleMs: 60_000, maxPerFunction: 1, maxPerProject: 4 });
  const first = await pool.take('a', 'p', hooksFor('a', log));
  let second: { sandbox: Fake; reuseCount: number } | null = null;
  const waiting = pool.take('a', 'p', hooksFor('a', log)).then((x) => (second = x));
  await new Promise((r) => setTimeout(r, 50));
  t.is(second, null, 'still waiting while the only sandbox is busy');
  t.is(log.created.length, 1);
  await pool.give(first.sandbox, true);
  await waiting;
  t.is(second!.sandbox, first.sandbox);
  t.is(second!.reuseCount, 1);
  await pool.close();
});

test('an unhealthy sandbox is destroyed and the next event gets a new one', async (t) => {
  const log = { created: [] as Fake[], destroyed: [] as Fake[] };
  const pool = new ReusePool<Fake>({ idleMs: 60_000, maxPerFunction: 1, maxPerProject: 1 });
  const first = await pool.take('a', 'p', hooksFor('a', log));
  await pool.give(first.sandbox, false);
  t.deepEqual(log.destroyed, [first.sandbox]);
  const next = await pool.take('a', 'p', hooksFor('a', log));
  t.not(next.sandbox, first.sandbox);
  t.is(next.reuseCount, 0);
  await pool.close();
});

test('at the per-project cap an idle sandbox of another function makes room', async (t) => {
  const log = { created: [] as Fake[], destroyed: [] as Fake[] };
  const pool = new ReusePool<Fake>({ idleMs: 60_000, maxPerFunction: 2, maxPerProject: 1 });
  const a = await pool.take('a', 'p', hooksFor('a', log));
  await pool.give(a.sandbox, true);
  const b = await pool.take('b', 'p', hooksFor('b', log));
  t.is(b.sandbox.key, 'b');
  await pollUntil('the idle sandbox of a to be destroyed', async () => (log.destroyed.includes(a.sandbox) ? true : undefined));
  t.is(pool.count(), 1);
  await pool.close();
});

test('an idle sandbox is released after idleMs', async (t) => {
  const log = { created: [] as Fake[], destroyed: [] as Fake[] };
  const pool = new ReusePool<Fake>({ idleMs: 50, maxPerFunction: 1, maxPerProject: 1 });
  const a = await pool.take('a', 'p', hooksFor('a', log));
  await pool.give(a.sandbox, true);
  await pollUntil('the idle release', async () => (log.destroyed.includes(a.sandbox) ? true : undefined), { everyMs: 20 });
  t.is(pool.count(), 0);
  await pool.close();
});
