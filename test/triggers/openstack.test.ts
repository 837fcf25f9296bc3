/**
 * `openstack` triggers against the real test cloud: a server booted and an image uploaded in the
 * `demo` project run the demo trigger's functions (Nova `instance.create.end`, Glance
 * `image.upload` off the cloud's notification bus); a trigger for `demo2` sees none of them.
 */
import test from 'ava';
import amqplib from 'amqplib';
import { existsSync, readFileSync } from 'node:fs';
import { notificationQueueName } from '../../service/triggers/os-notifications.js';
import { reachable, requireService } from '../_helpers/requirements.js';
import { pollUntil } from '../_helpers/poll.js';
import { createVhost, DIALECTS, echoFunction, executionsOf, otherProject, rabbitAvailable, serviceOn, sleep, unique, type ExecutionJson } from './_helpers.js';

const CLOUD_JSON = '/var/lib/fnstack-test-cloud/cloud.json';

interface Cloud {
  auth_url: string;
  demo: { username: string; password: string; project_name: string; user_domain_name: string; project_domain_name: string };
  project_ids: Record<string, string>;
  image: { id: string };
  rabbit: { url: string };
  endpoints: { compute: string; image: string };
}

async function cloudOrNull(): Promise<Cloud | null> {
  if (!existsSync(CLOUD_JSON)) return null;
  const cloud = JSON.parse(readFileSync(CLOUD_JSON, 'utf8')) as Cloud;
  return (await reachable('127.0.0.1', 5000)) && (await reachable('127.0.0.1', 8774)) ? cloud : null;
}

async function demoToken(cloud: Cloud): Promise<string> {
  const d = cloud.demo;
  const res = await fetch(`${cloud.auth_url}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: d.username, password: d.password, domain: { name: d.user_domain_name } } } },
        scope: { project: { name: d.project_name, domain: { name: d.project_domain_name } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`keystone: ${res.status}`);
  return res.headers.get('x-subject-token')!;
}

/** Waits until the service's notification queue is declared and bound (so nothing is missed). */
async function waitForQueue(url: string, name: string): Promise<void> {
  const conn = await amqplib.connect(url);
  try {
    await pollUntil(`a consumer on queue ${name}`, async () => {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      try {
        const q = await ch.checkQueue(name);
        await ch.close();
        return q.consumerCount > 0 ? true : undefined;
      } catch {
        return undefined; // not declared yet
      }
    });
  } finally {
    await conn.close();
  }
}

async function deleteQueue(url: string, name: string): Promise<void> {
  const conn = await amqplib.connect(url);
  try {
    const ch = await conn.createChannel();
    await ch.deleteQueue(name);
  } finally {
    await conn.close();
  }
}

async function waitFor(get: () => Promise<ExecutionJson[]>, pred: (e: ExecutionJson) => boolean, timeoutMs = 90_000): Promise<ExecutionJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await get();
    const hit = all.find((e) => pred(e) && ['succeeded', 'failed', 'timed_out'].includes(e.status));
    if (hit) return hit;
    if (Date.now() > deadline) {
      const seen = all.map((e) => `${e.status} ${(e.result?.event as { type?: string; subject?: string } | undefined)?.type ?? '?'} ${(e.result?.event as { subject?: string } | undefined)?.subject ?? '?'}`);
      throw new Error(`no matching execution in ${timeoutMs} ms; the function's executions: ${JSON.stringify(seen)}`);
    }
    await sleep(300);
  }
}

/** The execution ran for the notification about this resource (the CloudEvent's subject). */
const subjectIs = (id: string | null) => (e: ExecutionJson) => (e.result?.event as { subject?: string } | undefined)?.subject === id;

/** A Glance-style oslo.messaging v2 notification, as the cloud's bus carries it. */
function glanceNotification(eventType: string, imageId: string, owner: string): Buffer {
  const inner = { message_id: unique('msg'), publisher_id: 'image.localhost', event_type: eventType, priority: 'INFO', timestamp: new Date().toISOString(), payload: { id: imageId, owner } };
  return Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(inner) }));
}

for (const dialect of DIALECTS) {
  // The listener used to cache the triggers for a second: a notification that came right after
  // a trigger was made found the cache from before it and was acked unmatched, i.e. lost.
  test(`${dialect}: a trigger made a moment ago runs on the very next notification`, async (t) => {
    if (!requireService(t, 'RabbitMQ on 127.0.0.1:5672', await rabbitAvailable())) return;
    const vhost = await createVhost('fnstack-osn');
    const conn = await amqplib.connect(vhost.url);
    try {
      const ch = await conn.createConfirmChannel();
      for (const ex of ['nova', 'glance']) await ch.assertExchange(ex, 'topic', { durable: false });
      const ts = await serviceOn(t, dialect, { env: { FNSTACK_OS_NOTIFICATIONS_URL: vhost.url } });
      if (!ts) return;
      try {
        const project = unique('os-project');
        await echoFunction(ts, 'early');
        await echoFunction(ts, 'late');
        const mk = (name: string, fn: string) => ts.api('POST', '/v1/triggers', { name, function: fn, kind: 'openstack', config: { event_type: 'image.upload', project_id: project } });
        t.is((await mk('early', 'early')).status, 201);
        await waitForQueue(vhost.url, notificationQueueName(ts.databaseUrl));
        // The listener reads its triggers for this one…
        const first = unique('img');
        ch.publish('glance', 'notifications.info', glanceNotification('image.upload', first, project));
        await ch.waitForConfirms();
        await waitFor(() => executionsOf(ts, 'early'), subjectIs(first), 30_000);
        // …and the next one comes right after a new trigger, well within any cache's lifetime.
        t.is((await mk('late', 'late')).status, 201);
        const second = unique('img');
        ch.publish('glance', 'notifications.info', glanceNotification('image.upload', second, project));
        await ch.waitForConfirms();
        const late = await waitFor(() => executionsOf(ts, 'late'), subjectIs(second), 30_000);
        t.is(late.status, 'succeeded');
        // A deleted trigger stops at once too.
        t.is((await ts.api('DELETE', '/v1/triggers/early')).status, 204);
        const third = unique('img');
        ch.publish('glance', 'notifications.info', glanceNotification('image.upload', third, project));
        await ch.waitForConfirms();
        await waitFor(() => executionsOf(ts, 'late'), subjectIs(third), 30_000);
        t.deepEqual((await executionsOf(ts, 'early')).filter(subjectIs(third)), []);
      } finally {
        await ts.close();
      }
    } finally {
      await conn.close();
      await vhost.drop();
    }
  });
}

for (const dialect of DIALECTS) {
  test(`${dialect}: Nova and Glance notifications of the owner's project run its functions, and only those`, async (t) => {
    const cloud = await cloudOrNull();
    if (!requireService(t, 'the OpenStack test cloud (test/cloud/setup.sh)', cloud !== null)) return;
    const ts = await serviceOn(t, dialect, { env: { FNSTACK_OS_NOTIFICATIONS_URL: cloud!.rabbit.url } });
    if (!ts) return;
    const queue = notificationQueueName(ts.databaseUrl);
    const token = await demoToken(cloud!);
    let serverId: string | null = null;
    let imageId: string | null = null;
    try {
      const demo = cloud!.project_ids.demo!;
      const demo2 = cloud!.project_ids.demo2!;
      for (const fn of ['nova', 'glance', 'other']) await echoFunction(ts, fn);
      const mk = (name: string, fn: string, eventType: string, projectId: string) =>
        ts.api('POST', '/v1/triggers', { name, function: fn, kind: 'openstack', config: { event_type: eventType, project_id: projectId } });
      t.is((await mk('nova-demo', 'nova', 'instance.create.end', demo)).status, 201);
      t.is((await mk('glance-demo', 'glance', 'image.upload', demo)).status, 201);
      t.is((await mk('nova-demo2', 'other', 'instance.*.end', demo2)).status, 201);

      // Built-in accounts: only an admin-role account may create one, and must name the project.
      const member = await otherProject(ts, 'member');
      const refused = await member.api('POST', '/v1/triggers', { name: 'spy', function: 'x', kind: 'openstack', config: { event_type: '#', project_id: demo } });
      t.is(refused.status, 403);
      const unnamed = await mk('unnamed', 'nova', 'instance.create.end', undefined as never);
      t.is(unnamed.status, 400);
      t.is(unnamed.body.field, 'config.project_id');

      await waitForQueue(cloud!.rabbit.url, queue);

      const boot = await fetch(`${cloud!.endpoints.compute}/servers`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/json', 'openstack-api-version': 'compute 2.37' },
        body: JSON.stringify({ server: { name: unique('fnstack-trg'), imageRef: cloud!.image.id, flavorRef: 'fn.tiny', networks: 'none' } }),
      });
      t.is(boot.status, 202, await boot.clone().text());
      serverId = ((await boot.json()) as { server: { id: string } }).server.id;

      const img = await fetch(`${cloud!.endpoints.image}/v2/images`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ name: unique('fnstack-trg'), disk_format: 'raw', container_format: 'bare', visibility: 'private' }),
      });
      t.is(img.status, 201);
      imageId = ((await img.json()) as { id: string }).id;
      const upload = await fetch(`${cloud!.endpoints.image}/v2/images/${imageId}/file`, {
        method: 'PUT',
        headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(4096, 7),
      });
      t.is(upload.status, 204);

      const nova = await waitFor(() => executionsOf(ts, 'nova'), subjectIs(serverId)).catch(async (err: Error) => {
        // Say whether Nova ever made the server (a full fake host fails it: no create.end at all).
        const server = await fetch(`${cloud!.endpoints.compute}/servers/${serverId}`, { headers: { 'x-auth-token': token } }).then((r) => r.json() as Promise<{ server?: { status?: string; fault?: unknown } }>);
        throw new Error(`${err.message}; server ${serverId}: ${JSON.stringify({ status: server.server?.status, fault: server.server?.fault })}`);
      });
      t.is(nova.status, 'succeeded');
      const ev = nova.result!.event as Record<string, any>;
      t.is(ev.type, 'org.openstack.nova.instance.create.end');
      t.is(ev.openstackproject, demo);
      t.is(ev.data['nova_object.data'].uuid, serverId);

      const glance = await waitFor(() => executionsOf(ts, 'glance'), subjectIs(imageId));
      t.is(glance.status, 'succeeded');
      t.is((glance.result!.event as Record<string, any>).data.owner, demo);

      await sleep(2000);
      const leaked = (await executionsOf(ts, 'other')).filter(subjectIs(serverId));
      t.deepEqual(leaked, [], 'the demo2 trigger saw nothing of demo');
      t.true((await ts.api('GET', '/v1/triggers/nova-demo')).body.fire_count >= 1);
    } finally {
      if (serverId) await fetch(`${cloud!.endpoints.compute}/servers/${serverId}`, { method: 'DELETE', headers: { 'x-auth-token': token } }).catch(() => undefined);
      if (imageId) await fetch(`${cloud!.endpoints.image}/v2/images/${imageId}`, { method: 'DELETE', headers: { 'x-auth-token': token } }).catch(() => undefined);
      await ts.close();
      await deleteQueue(cloud!.rabbit.url, queue).catch(() => undefined);
    }
  });
}
