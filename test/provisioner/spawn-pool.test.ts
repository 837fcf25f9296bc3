/** The pre-started pool's bookkeeping alone (no processes): an item is handed out at most once, and refilled. */
import test from 'ava';
import { SpawnPool, type SpawnHooks } from '../../service/provisioner/local/spawn-pool.js';
import { pollUntil } from '../_helpers/poll.js';

function hooks(log: { made: number; destroyed: number[] }, usable = () => true): SpawnHooks<number> {
  return {
    create: async () => ++log.made,
    destroy: async (n) => void log.destroyed.push(n),
    usable: () => usable(),
  };
}

/** Asks for shape 's' (which starts its filling), waits for a ready item and takes it. */
async function firstItem(pool: SpawnPool<number>, h: SpawnHooks<number>): Promise<number | null> {
  pool.take('s', h);
  await pollUntil('a ready item', async () => (pool.readyCount('s') > 0 ? true : undefined), { everyMs: 5 });
  return pool.take('s', h);
}

test('every item is handed out at most once, and the shape is refilled after each event', async (t) => {
  const log = { made: 0, destroyed: [] as number[] };
  const pool = new SpawnPool<number>(2, 60_000);
  const h = hooks(log);
  t.is(pool.take('s', h), null, 'the first ask only starts the filling');
  const given: number[] = [];
  for (let i = 0; i < 20; i++) {
    await pollUntil('a ready item', async () => (pool.readyCount('s') > 0 ? true : undefined), { everyMs: 5 });
    const item = pool.take('s', h);
    t.not(item, null);
    given.push(item!);
    // Ask again at once: whatever comes back is another item or nothing, never one already given.
    const more = pool.take('s', h);
    if (more !== null) given.push(more);
    pool.replace('s');
  }
  t.is(new Set(given).size, given.length, 'no item handed out twice');
  await pool.close();
  t.deepEqual(log.destroyed.filter((n) => given.includes(n)), [], 'items handed out are not the pool\'s to destroy');
});

test('an item that died while waiting is destroyed, not handed out', async (t) => {
  const log = { made: 0, destroyed: [] as number[] };
  let alive = true;
  const pool = new SpawnPool<number>(1, 60_000);
  const h = hooks(log, () => alive);
  pool.take('s', h);
  await pollUntil('a ready item', async () => (pool.readyCount('s') > 0 ? true : undefined), { everyMs: 5 });
  alive = false;
  t.is(pool.take('s', h), null);
  t.deepEqual(log.destroyed, [1]);
  await pool.close();
});

test('a taken item is replaced when its event is over, not while the event runs', async (t) => {
  const log = { made: 0, destroyed: [] as number[] };
  const pool = new SpawnPool<number>(1, 60_000, 60_000);
  const h = hooks(log);
  t.is(await firstItem(pool, h), 1);
  await new Promise((r) => setTimeout(r, 50));
  t.is(log.made, 1, 'nothing is started while the event runs');
  pool.replace('s');
  await pollUntil('the replacement', async () => (pool.readyCount('s') > 0 ? true : undefined), { everyMs: 5 });
  t.is(pool.take('s', h), 2);
  await pool.close();
});

test('the item of an event that runs long is replaced anyway, after a while', async (t) => {
  const log = { made: 0, destroyed: [] as number[] };
  const pool = new SpawnPool<number>(1, 60_000, 30);
  const h = hooks(log);
  t.is(await firstItem(pool, h), 1);
  await pollUntil('the replacement, with no replace()', async () => (pool.readyCount('s') > 0 ? true : undefined), { everyMs: 5 });
  t.is(log.made, 2);
  await pool.close();
});
