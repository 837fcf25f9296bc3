/** `http` and `event` triggers end to end: webhook (secret header, HMAC signature) and POST /v1/events, on each store dialect. */
import test from 'ava';
import { signBody } from '../../service/triggers/kind-http.js';
import { DIALECTS, echoFunction, executionsOf, serviceOn, sleep, waitForExecutions, type TriggerService } from './_helpers.js';

for (const dialect of DIALECTS) {
  let ts: TriggerService | null = null;
  test.before(async (t) => {
    ts = await serviceOn(t as never, dialect);
  });
  test.after.always(async () => {
    await ts?.close();
  });

  test.serial(`${dialect}: a webhook runs its function, with the secret header or an HMAC signature`, async (t) => {
    if (!ts) return t.pass();
    await echoFunction(ts, 'hooked');
    const created = await ts.api('POST', '/v1/triggers', { name: 'gh', function: 'hooked', kind: 'http', filter: { data: { 'repo.name': 'fnstack' } } });
    t.is(created.status, 201);
    const { webhook_url: url, secret } = created.body as { webhook_url: string; secret: string };

    const byHeader = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fnstack-secret': secret, 'ce-id': 'delivery-1' }, body: JSON.stringify({ repo: { name: 'fnstack' }, n: 1 }) });
    t.is(byHeader.status, 202);
    t.deepEqual(await byHeader.json(), { accepted: 'delivery-1' });

    const body = JSON.stringify({ repo: { name: 'fnstack' }, n: 2 });
    const bySignature = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fnstack-signature': signBody(secret, body) }, body });
    t.is(bySignature.status, 202);

    // Refused: no proof, a wrong secret, a signature over other bytes, an unknown hook.
    t.is((await fetch(url, { method: 'POST', body: '{}' })).status, 401);
    t.is((await fetch(url, { method: 'POST', headers: { 'x-fnstack-secret': 'whsec_wrong' }, body: '{}' })).status, 401);
    t.is((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fnstack-signature': signBody(secret, '{"n":3}') }, body: '{"n":4}' })).status, 401);
    t.is((await fetch(url.replace(created.body.id, '00000000-0000-0000-0000-000000000000'), { method: 'POST', headers: { 'x-fnstack-secret': secret }, body: '{}' })).status, 404);
    // Accepted but filtered out: repo.name differs.
    t.is((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fnstack-secret': secret }, body: JSON.stringify({ repo: { name: 'other' } }) })).status, 202);
    // A replayed delivery id runs nothing twice.
    t.is((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fnstack-secret': secret, 'ce-id': 'delivery-1' }, body: JSON.stringify({ repo: { name: 'fnstack' }, n: 1 }) })).status, 202);

    const done = await waitForExecutions(ts, 'hooked', 2);
    t.true(done.every((e) => e.status === 'succeeded'), JSON.stringify(done));
    const ns = done.map((e) => (e.result!.event as { data: { n: number } }).data.n).sort();
    t.deepEqual(ns, [1, 2]);
    const event = done[0]!.result!.event as Record<string, unknown>;
    t.is(event.source, `fnstack:/hooks/${created.body.id}`);
    await sleep(1500);
    t.is((await executionsOf(ts, 'hooked')).length, 2);

    const after = (await ts.api('GET', '/v1/triggers/gh')).body;
    t.is(after.fire_count, 2);
    t.truthy(after.last_fired_at);

    await ts.api('POST', '/v1/triggers/gh/disable');
    t.is((await fetch(url, { method: 'POST', headers: { 'x-fnstack-secret': secret }, body: '{}' })).status, 409);
  });

  test.serial(`${dialect}: POST /v1/events runs the event and amqp triggers whose pattern and filter match`, async (t) => {
    if (!ts) return t.pass();
    await echoFunction(ts, 'orders');
    await echoFunction(ts, 'everything');
    await echoFunction(ts, 'never');
    t.is((await ts.api('POST', '/v1/triggers', { name: 'paid', function: 'orders', kind: 'event', config: { pattern: 'order.*' }, filter: { subject_prefix: 'eu/', data: { status: 'paid' } } })).status, 201);
    t.is((await ts.api('POST', '/v1/triggers', { name: 'all', function: 'everything', kind: 'amqp', config: { pattern: '#' } })).status, 201);
    t.is((await ts.api('POST', '/v1/triggers', { name: 'off', function: 'never', kind: 'event', enabled: false })).status, 201);

    const post = (id: string, type: string, subject: string, status: string) =>
      fetch(`${ts!.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ts!.apiKey}`, 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify({ specversion: '1.0', id, source: 'shop', type, subject, data: { status } }),
      });
    t.is((await post('e1', 'order.created', 'eu/1', 'paid')).status, 202);
    t.is((await post('e2', 'order.created', 'us/2', 'paid')).status, 202); // subject prefix fails
    t.is((await post('e3', 'order.created', 'eu/3', 'open')).status, 202); // data fails
    t.is((await post('e4', 'invoice.sent', 'eu/4', 'paid')).status, 202); // pattern fails

    const orders = await waitForExecutions(ts, 'orders', 1);
    const everything = await waitForExecutions(ts, 'everything', 4);
    await sleep(1500);
    t.deepEqual((await executionsOf(ts, 'orders')).map((e) => e.event_id), ['e1']);
    t.is(orders[0]!.status, 'succeeded');
    t.deepEqual(everything.map((e) => e.event_id).sort(), ['e1', 'e2', 'e3', 'e4']);
    t.is((await executionsOf(ts, 'never')).length, 0);
    t.is((await ts.api('GET', '/v1/triggers/all')).body.fire_count, 4);
  });
}
