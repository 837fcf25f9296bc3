/** The store's circuit breaker, with a probe the test controls (no database needed). */
import test from 'ava';
import { StoreHealth } from '../../service/store/store-health.js';
import { StoreUnavailableError, isTransientStoreError } from '../../service/store/store-errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness() {
  let reachable = true;
  let probes = 0;
  const logs: Array<[string, string]> = [];
  const health = new StoreHealth({
    probe: async () => {
      probes++;
      if (!reachable) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    },
    probeIntervalMs: 20,
    suspectAfterMs: 20,
    logger: { info: (_o, msg) => logs.push(['info', msg]), warn: (_o, msg) => logs.push(['warn', msg]) },
  });
  return {
    health,
    logs,
    probes: () => probes,
    setReachable: (r: boolean) => (reachable = r),
  };
}

/** Waits (long cap) until `cond` holds. */
async function eventually(cond: () => boolean) {
  for (let i = 0; i < 1000 && !cond(); i++) await sleep(10);
}

const never = <T>() => new Promise<T>(() => undefined);

test('a slow acquire makes it probe; a failed probe opens it and rejects the waiting acquire at once', async (t) => {
  const h = harness();
  h.setReachable(false);
  let release!: (v: string) => void;
  const pool = new Promise<string>((r) => (release = r));
  const released: string[] = [];
  const waiting = h.health.guard(() => pool, (late) => released.push(late));
  await t.throwsAsync(waiting, { instanceOf: StoreUnavailableError });
  t.is(h.health.state, 'down');
  // A connection the pool hands over after all goes straight back.
  release('conn-1');
  await eventually(() => released.length === 1);
  t.deepEqual(released, ['conn-1']);
  h.health.close();
});

test('while down nothing reaches the pool; a probe that answers closes it', async (t) => {
  const h = harness();
  h.setReachable(false);
  await h.health.check();
  t.is(h.health.state, 'down');
  let acquired = 0;
  const err = await t.throwsAsync<StoreUnavailableError>(h.health.guard(() => (acquired++, never<string>()), () => undefined));
  t.true(err instanceof StoreUnavailableError);
  t.is(err?.status, 503);
  t.true(isTransientStoreError(err), 'workers back off on it and never dead-letter for it');
  t.is(acquired, 0);
  t.throws(() => h.health.assertUp(), { instanceOf: StoreUnavailableError });

  h.setReachable(true);
  await eventually(() => h.health.state === 'up');
  t.is(h.health.state, 'up');
  t.is(await h.health.guard(async () => 'conn', () => undefined), 'conn');
  t.deepEqual(h.logs.map(([level]) => level), ['warn', 'info'], 'one line per change of state, however many probes failed');
  t.true(h.probes() >= 2);
  h.health.close();
});

test('a busy pool is not an outage: the probe answers and the acquire is awaited', async (t) => {
  const h = harness();
  const conn = await h.health.guard(() => sleep(100).then(() => 'conn'), () => undefined);
  t.is(conn, 'conn');
  t.is(h.health.state, 'up');
  t.true(h.probes() >= 1, 'the slow acquire was checked');
  t.deepEqual(h.logs, []);
  h.health.close();
});

test('only transient failures make it probe', async (t) => {
  const h = harness();
  h.health.report(new Error('Duplicate entry'));
  t.is(h.probes(), 0);
  h.setReachable(false);
  h.health.report(Object.assign(new Error('socket closed'), { code: 'ER_SOCKET_UNEXPECTED_CLOSE' }));
  await eventually(() => h.health.state === 'down');
  t.is(h.health.state, 'down');
  h.health.close();
});
