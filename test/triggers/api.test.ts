/** /v1/triggers: CRUD, enable/disable, validation errors naming the field, secrets never returned. */
import test from 'ava';
import { DIALECTS, echoFunction, serviceOn, type TriggerService } from './_helpers.js';

for (const dialect of DIALECTS) {
  let ts: TriggerService | null = null;
  test.before(async (t) => {
    ts = await serviceOn(t as never, dialect);
    if (ts) await echoFunction(ts, 'echo');
  });
  test.after.always(async () => {
    await ts?.close();
  });

  test.serial(`${dialect}: create, show, list, update, disable, enable, delete`, async (t) => {
    if (!ts) return t.pass(); // skipped (noted by serviceOn) — under CI serviceOn failed the run
    const created = await ts.api('POST', '/v1/triggers', { name: 'orders', function: 'echo', kind: 'event', config: { pattern: 'order.*' }, filter: { source: 'shop', data: { 'order.paid': true } } });
    t.is(created.status, 201, JSON.stringify(created.body));
    t.like(created.body, { name: 'orders', function: 'echo', kind: 'event', config: { pattern: 'order.*' }, filter: { source: 'shop', data: { 'order.paid': true } }, enabled: true, fire_count: 0, last_fired_at: null, last_error: null });
    t.regex(created.body.id, /^[0-9a-f-]{36}$/);

    t.is((await ts.api('POST', '/v1/triggers', { name: 'orders', function: 'echo', kind: 'event' })).status, 409);
    t.is((await ts.api('GET', '/v1/triggers/orders')).body.id, created.body.id);
    const list = await ts.api('GET', '/v1/triggers?kind=event');
    t.deepEqual(list.body.items.map((x: { name: string }) => x.name), ['orders']);

    const updated = await ts.api('PATCH', '/v1/triggers/orders', { config: { pattern: 'order.#' }, filter: {} });
    t.is(updated.status, 200);
    t.deepEqual(updated.body.config, { pattern: 'order.#' });
    t.deepEqual(updated.body.filter, {});

    t.false((await ts.api('POST', '/v1/triggers/orders/disable')).body.enabled);
    t.true((await ts.api('POST', '/v1/triggers/orders/enable')).body.enabled);
    t.is((await ts.api('DELETE', '/v1/triggers/orders')).status, 204);
    t.is((await ts.api('GET', '/v1/triggers/orders')).status, 404);
    t.is((await ts.api('DELETE', '/v1/triggers/orders')).status, 404);
  });

  test.serial(`${dialect}: bad input answers 400 naming the field`, async (t) => {
    if (!ts) return t.pass();
    const cases: Array<[unknown, string]> = [
      [{ name: 'x1', function: 'echo', kind: 'carrier-pigeon' }, 'kind'],
      [{ name: 'x2', function: 'echo', kind: 'schedule', config: { cron: 'every tuesday' } }, 'config.cron'],
      [{ name: 'x3', function: 'echo', kind: 'schedule', config: { cron: '* * * * *', timezone: 'Mars/Olympus' } }, 'config.timezone'],
      [{ name: 'x4', function: 'echo', kind: 'schedule', config: { cron: '* * * * *', catch_up: 'always' } }, 'config.catch_up'],
      [{ name: 'x5', function: 'echo', kind: 'amqp', config: { pattern: 'orders.#x' } }, 'config.pattern'],
      [{ name: 'x6', function: 'echo', kind: 'event', config: { pattern: 'a..b' } }, 'config.pattern'],
      [{ name: 'x7', function: 'missing', kind: 'event' }, 'function'],
      [{ name: 'x8', function: 'echo', kind: 'amqp', config: { broker_url: 'http://nope', queue: 'q' } }, 'config.broker_url'],
      [{ name: 'x9', function: 'echo', kind: 'amqp', config: {} }, 'config.pattern'],
      [{ name: 'x10', function: 'echo', kind: 'event', filter: { colour: 'red' } }, 'filter.colour'],
      [{ name: 'x11', function: 'echo', kind: 'event', config: { pattern: '#', extra: 1 } }, 'config.extra'],
      [{ name: 'Bad Name', function: 'echo', kind: 'event' }, 'name'],
      [{ name: 'x12', kind: 'event' }, 'function'],
      [{ name: 'x13', function: 'echo', kind: 'openstack', config: { event_type: 'instance.create.end' } }, 'kind'],
    ];
    for (const [body, field] of cases) {
      const r = await ts.api('POST', '/v1/triggers', body);
      t.is(r.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      t.is(r.body.code, 'invalid_request');
      t.is(r.body.field, field, JSON.stringify(r.body));
    }
    t.is((await ts.api('GET', '/v1/triggers')).body.items.length, 0);
  });

  test.serial(`${dialect}: secrets are shown once and never returned`, async (t) => {
    if (!ts) return t.pass();
    const hook = await ts.api('POST', '/v1/triggers', { name: 'hook', function: 'echo', kind: 'http' });
    t.is(hook.status, 201);
    t.regex(hook.body.secret, /^whsec_/);
    t.is(hook.body.webhook_url, `${ts.url}/v1/hooks/${hook.body.id}`);
    const shown = await ts.api('GET', '/v1/triggers/hook');
    t.is(shown.body.secret, undefined);
    t.false(JSON.stringify(shown.body).includes(hook.body.secret));

    const broker = await ts.api('POST', '/v1/triggers', { name: 'tenant', function: 'echo', kind: 'amqp', config: { broker_url: 'amqp://alice:s3cr3t-pw@broker.example:5672/prod', queue: 'jobs' } });
    t.is(broker.status, 201, JSON.stringify(broker.body));
    t.deepEqual(broker.body.config, { broker: 'amqp://broker.example:5672/prod', queue: 'jobs', prefetch: 10 });
    for (const r of [broker, await ts.api('GET', '/v1/triggers/tenant'), await ts.api('GET', '/v1/triggers')]) {
      t.false(JSON.stringify(r.body).includes('s3cr3t-pw'));
      t.false(JSON.stringify(r.body).includes('alice'));
    }
    // At rest: sealed, not in clear.
    const row = await (ts.store.db as any).selectFrom('triggers').selectAll().where('name', '=', 'tenant').executeTakeFirst();
    t.false(JSON.stringify(row).includes('s3cr3t-pw'));
    t.regex(row.sealed_secret, /^v1\./);
    // An update that does not restate the URL keeps it.
    const kept = await ts.api('PATCH', '/v1/triggers/tenant', { config: { queue: 'jobs2' } });
    t.is(kept.status, 200, JSON.stringify(kept.body));
    t.is(kept.body.config.broker, 'amqp://broker.example:5672/prod');
    await ts.api('DELETE', '/v1/triggers/hook');
    await ts.api('DELETE', '/v1/triggers/tenant');
  });

  test.serial(`${dialect}: triggers are project-scoped`, async (t) => {
    if (!ts) return t.pass();
    const { otherProject } = await import('./_helpers.js');
    await ts.api('POST', '/v1/triggers', { name: 'mine', function: 'echo', kind: 'event' });
    const other = await otherProject(ts);
    t.is((await other.api('GET', '/v1/triggers/mine')).status, 404);
    t.deepEqual((await other.api('GET', '/v1/triggers')).body.items, []);
    t.is((await other.api('DELETE', '/v1/triggers/mine')).status, 404);
    // The other project cannot bind to this project's function either.
    const r = await other.api('POST', '/v1/triggers', { name: 'steal', function: 'echo', kind: 'event' });
    t.is(r.status, 400);
    t.is(r.body.field, 'function');
    await ts.api('DELETE', '/v1/triggers/mine');
  });
}
