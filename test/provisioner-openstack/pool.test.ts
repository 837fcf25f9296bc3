/**
 * Warm pool on the real cloud: creating a function fills the pool for its (flavor, image);
 * an event takes a ready server (pool hit, fast), the pool refills in the background, a
 * used server is never handed out again, an empty pool is a miss that boots a new server,
 * and closing the service deletes the ready servers.
 */
import test from 'ava';
import type { Server } from '../../service/openstack/index.js';
import { cleanupPrefix, computeAs, functionForm, invokeAsync, RUNTIME, serversWithPrefix, startOpenStackService, uniquePrefix, waitFinal, waitGone, withOpenStack, type OsService } from './_fixtures.js';

withOpenStack((cloud) => {
  const prefix = uniquePrefix('pool');
  let svc: OsService;
  const compute = computeAs(cloud);
  test.before(async () => {
    svc = await startOpenStackService(cloud, { prefix, env: { FNSTACK_OS_POOL_SIZE: '2' } });
  });
  test.after.always(async () => {
    await svc?.close();
    await cleanupPrefix(cloud, prefix);
  });

  /** Pool servers whose runner is up (ACTIVE, the harness started the user_data a moment ago). */
  async function readyPool(count: number, exclude: Set<string>, timeoutMs = 60_000): Promise<Server[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const servers = (await serversWithPrefix(compute, `${prefix}pool-`)).filter((s) => !exclude.has(s.id) && s.metadata['fnstack:pool'] === 'ready');
      const up = servers.filter((s) => {
        const g = svc.harness.guests.get(s.id);
        return s.status === 'ACTIVE' && g?.startedAt && Date.now() - g.startedAt > 1000;
      });
      if (up.length >= count) return up;
      if (Date.now() > until) throw new Error(`pool has ${up.length} ready servers, expected ${count}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  test.serial('creating a function fills the pool; an event takes a ready server (hit) and the pool refills', async (t) => {
    const created = await svc.api('POST', '/v1/functions', functionForm({ name: 'warm', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: `exports.handler = async (e) => ({ echo: e.data });` }));
    t.is(created.status, 201);
    const pool = await readyPool(2, new Set());
    t.is(pool.length, 2);
    for (const s of pool) {
      t.is(s.metadata['fnstack:execution'], '-');
      t.is(s.flavor.original_name, 'fn.tiny');
    }

    const t0 = Date.now();
    const ex = await waitFinal(svc, await invokeAsync(svc, 'warm', 'hot'));
    const total = Date.now() - t0;
    t.is(ex.status, 'succeeded', JSON.stringify(ex));
    t.deepEqual(ex.result, { echo: 'hot' });
    const d = ex.placement.details;
    t.log(`pool hit: provisioning ${d.provisioningMs} ms, event → result ${total} ms (boot of that server was ${d.bootMs} ms)`);
    t.is(d.pool, 'hit');
    t.true(pool.some((s) => s.id === d.server), 'it ran in one of the pre-booted servers');
    t.true(await waitGone(compute, d.server), 'a used server is deleted, never reused');

    const refilled = await readyPool(2, new Set([d.server]));
    t.is(refilled.length, 2);
    t.false(refilled.some((s) => s.id === d.server));
  });

  test.serial('more events than ready servers: hits first, then a miss that boots its own server; each server serves one event', async (t) => {
    await readyPool(2, new Set());
    const ids = await Promise.all([1, 2, 3].map((n) => invokeAsync(svc, 'warm', n)));
    const results = await Promise.all(ids.map((id) => waitFinal(svc, id)));
    for (const r of results) t.is(r.status, 'succeeded', JSON.stringify(r));
    const pools = results.map((r) => r.placement.details.pool).sort();
    t.log(`pool: ${pools.join(', ')}; provisioning ms: ${results.map((r) => r.placement.details.provisioningMs).join(', ')}`);
    t.true(pools.filter((p) => p === 'hit').length >= 1 && pools.includes('miss'), pools.join());
    const servers = new Set(results.map((r) => r.placement.details.server));
    t.is(servers.size, 3, 'three events, three servers');
    const miss = results.find((r) => r.placement.details.pool === 'miss')!;
    t.is(miss.placement.details.serverName, `${prefix}${miss.id}`);
    for (const s of servers) t.true(await waitGone(compute, s));
  });

  test.serial('closing the service deletes the ready pool servers', async (t) => {
    const pool = await readyPool(2, new Set());
    await svc.close();
    for (const s of pool) t.true(await waitGone(compute, s.id, 30_000), `pool server ${s.id} deleted on close`);
    t.deepEqual(await serversWithPrefix(compute, prefix), []);
  });
});
