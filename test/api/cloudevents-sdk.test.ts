/**
 * The CloudEvents HTTP binding as a third-party client speaks it: the `cloudevents` npm SDK's
 * emitter (binary and structured mode) against POST /v1/events, and structured events posted
 * to invoke and to a webhook.
 */
import test from 'ava';
import { CloudEvent, HTTP, Mode, emitterFor, httpTransport } from 'cloudevents';
import { startTestService, type TestService } from '../_helpers/service.js';
import { echoFunction, waitForExecutions } from '../triggers/_helpers.js';
import { signBody } from '../../service/triggers/kind-http.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService();
  await echoFunction(svc, 'sdk-echo');
  const trigger = await svc.api('POST', '/v1/triggers', { name: 'sdk', function: 'sdk-echo', kind: 'event', config: { pattern: 'sdk.*' } });
  if (trigger.status !== 201) throw new Error(`trigger: ${JSON.stringify(trigger.body)}`);
});
test.after.always(async () => {
  await svc?.close();
});

const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

/** Sends an SDK message (headers + body) with fetch, to see the status the SDK's transport hides. */
const send = (path: string, message: { headers: Record<string, unknown>; body: unknown }, extra: Record<string, string> = {}) =>
  fetch(svc.url + path, { method: 'POST', headers: { ...(message.headers as Record<string, string>), ...extra }, body: message.body as string });

test.serial('the SDK emitter publishes in binary mode (bytes, text) and structured mode; each event arrives as sent', async (t) => {
  const binary = emitterFor(httpTransport(`${svc.url}/v1/events`), { binding: HTTP, mode: Mode.BINARY });
  const structured = emitterFor(httpTransport(`${svc.url}/v1/events`), { binding: HTTP, mode: Mode.STRUCTURED });
  const bytes = Uint8Array.from([0, 1, 2, 254, 255]);
  const answers = [
    await binary(new CloudEvent({ id: 'sdk-bytes', source: 'sdk-test', type: 'sdk.bytes', datacontenttype: 'application/octet-stream', data: bytes }), { headers: auth() }),
    await binary(new CloudEvent({ id: 'sdk-text', source: 'sdk-test', type: 'sdk.text', datacontenttype: 'text/plain', data: 'hello' }), { headers: auth() }),
    await binary(new CloudEvent({ id: 'sdk-json', source: 'sdk-test', type: 'sdk.json', data: { n: 1 } }), { headers: auth() }),
    await structured(new CloudEvent({ id: 'sdk-structured', source: 'sdk-test', type: 'sdk.structured', subject: 's1', data: { n: 2 } }), { headers: auth() }),
  ] as Array<{ body: string }>;
  t.deepEqual(
    answers.map((a) => JSON.parse(a.body)),
    [{ accepted: ['sdk-bytes'] }, { accepted: ['sdk-text'] }, { accepted: ['sdk-json'] }, { accepted: ['sdk-structured'] }],
  );

  const done = await waitForExecutions(svc, 'sdk-echo', 4);
  const byId = new Map(done.map((e) => [(e.result!.event as { id: string }).id, e.result!.event as Record<string, unknown>]));
  t.like(byId.get('sdk-bytes'), { type: 'sdk.bytes', datacontenttype: 'application/octet-stream', data_base64: Buffer.from(bytes).toString('base64') });
  t.is(byId.get('sdk-bytes')!.data, undefined);
  t.like(byId.get('sdk-text'), { datacontenttype: 'text/plain', data: 'hello' });
  t.like(byId.get('sdk-json'), { datacontenttype: 'application/json', data: { n: 1 } });
  t.like(byId.get('sdk-structured'), { source: 'sdk-test', subject: 's1', data: { n: 2 } });
});

test('binary mode without credentials is 401 and with a bad attribute a 400 naming it', async (t) => {
  const event = new CloudEvent({ id: 'x1', source: 'sdk-test', type: 'sdk.none', datacontenttype: 'application/octet-stream', data: Uint8Array.from([1]) });
  t.is((await send('/v1/events', HTTP.binary(event))).status, 401);
  const bad = await send('/v1/events', { headers: { ...HTTP.binary(event).headers, 'ce-type': '' }, body: 'x' }, auth());
  t.is(bad.status, 400);
  t.is(((await bad.json()) as { field: string }).field, 'headers.type');
});

test('a structured CloudEvent posted to invoke is the event itself; its id dedups', async (t) => {
  const event = new CloudEvent({ id: 'inv-structured-1', source: 'sdk-test', type: 'sdk.invoke', data: { a: 1 } });
  const first = await send('/v1/functions/sdk-echo/invoke', HTTP.structured(event), auth());
  t.is(first.status, 200);
  const body = (await first.json()) as { id: string; result: { event: Record<string, unknown> } };
  t.like(body.result.event, { id: 'inv-structured-1', source: 'sdk-test', type: 'sdk.invoke', data: { a: 1 } });
  t.false('specversion' in (body.result.event.data as object), 'not wrapped again');
  const again = await send('/v1/functions/sdk-echo/invoke', HTTP.structured(event), auth());
  t.is(((await again.json()) as { id: string }).id, body.id);

  const noSource = await send('/v1/functions/sdk-echo/invoke', { headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify({ specversion: '1.0', id: 'y', type: 't' }) }, auth());
  t.is(noSource.status, 400);
  t.is(((await noSource.json()) as { field: string }).field, 'body.source');
});

test.serial('a structured CloudEvent posted to a webhook is the event, addressed to that trigger', async (t) => {
  await echoFunction(svc, 'sdk-hooked');
  const created = await svc.api('POST', '/v1/triggers', { name: 'sdk-hook', function: 'sdk-hooked', kind: 'http' });
  const { webhook_url: url, secret, id } = created.body as { webhook_url: string; secret: string; id: string };
  const event = new CloudEvent({ id: 'hook-structured-1', source: 'sdk-test', type: 'sdk.hooked', data: { b: 2 }, fnstacktrigger: 'someone-else' });
  const message = HTTP.structured(event);
  const r = await fetch(url, { method: 'POST', headers: { ...(message.headers as Record<string, string>), 'x-fnstack-signature': signBody(secret, message.body as string) }, body: message.body as string });
  t.is(r.status, 202);
  t.deepEqual(await r.json(), { accepted: 'hook-structured-1' });
  const bad = JSON.stringify({ specversion: '1.0', id: 'z', source: 's' });
  const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json', 'x-fnstack-signature': signBody(secret, bad) }, body: bad });
  t.is(refused.status, 400);
  t.is(((await refused.json()) as { field: string }).field, 'body.type');

  const [done] = await waitForExecutions(svc, 'sdk-hooked', 1);
  t.like(done!.result!.event, { id: 'hook-structured-1', source: 'sdk-test', type: 'sdk.hooked', data: { b: 2 }, fnstacktrigger: id });
});
