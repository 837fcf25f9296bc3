/** `http` and `event` triggers end to end: webhook (secret header, HMAC signature) and POST /v1/events, on each store dialect. */
import test from 'ava';
import { createHmac, randomUUID } from 'node:crypto';
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

  test.serial(`${dialect}: GitHub (X-Hub-Signature-256) and GitLab (X-Gitlab-Token) deliveries are accepted as they come; a wrong proof is 401`, async (t) => {
    if (!ts) return t.pass();
    await echoFunction(ts, 'forge');
    const created = await ts.api('POST', '/v1/triggers', { name: 'forge', function: 'forge', kind: 'http' });
    const { webhook_url: url, secret } = created.body as { webhook_url: string; secret: string };
    // As GitHub sends it: pretty-printed JSON, non-ASCII text, the HMAC of the exact bytes.
    const body = `{\n  "ref": "refs/heads/main",\n  "head_commit": { "message": "r\u00e9sum\u00e9 ✓" }\n}`;
    const githubSign = (key: string, bytes: string) => `sha256=${createHmac('sha256', key).update(Buffer.from(bytes, 'utf8')).digest('hex')}`;
    const delivery = randomUUID();
    const github = (signature: string, payload = body) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/abc', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signature }, body: payload });

    t.is((await github(githubSign('not-the-secret', body))).status, 401);
    t.is((await github(githubSign(secret, body), body.replace('main', 'evil'))).status, 401, 'the signature covers the body');
    t.is((await github('sha1=abc')).status, 401);
    const wrongAmongRight = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fnstack-secret': secret, 'x-hub-signature-256': githubSign('wrong', body) }, body });
    t.is(wrongAmongRight.status, 401, 'a wrong proof is not outvoted by a right one');
    const ok = await github(githubSign(secret, body));
    t.is(ok.status, 202);
    t.deepEqual(await ok.json(), { accepted: delivery });

    const gitlab = (token: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token }, body: JSON.stringify({ object_kind: 'push' }) });
    const refused = await gitlab('whsec_wrong');
    t.is(refused.status, 401);
    t.regex(((await refused.json()) as { message: string }).message, /x-gitlab-token/);
    t.is((await gitlab(secret)).status, 202);

    const done = await waitForExecutions(ts, 'forge', 2);
    const events = done.map((e) => e.result!.event as { type: string; id: string; data: Record<string, unknown> });
    const fromGithub = events.find((e) => e.type === 'com.github.push');
    t.is(fromGithub?.id, delivery);
    t.deepEqual(fromGithub?.data, JSON.parse(body));
    t.truthy(events.find((e) => e.type === 'com.gitlab.push_hook' && e.data.object_kind === 'push'));
    await sleep(1500);
    t.is((await executionsOf(ts, 'forge')).length, 2, 'the refused deliveries ran nothing');
    t.is((await ts.api('GET', '/v1/triggers/forge')).body.fire_count, 2);
  });
}
