/** Pure parts of the triggers: topic patterns, filters, sealing, webhook proofs, notification parsing. */
import test from 'ava';
import { topicMatches, validateTopicPattern } from '../../service/triggers/topic-pattern.js';
import { filterMatches, validateFilter } from '../../service/triggers/filter.js';
import { hashSecret, open, seal, secretMatches } from '../../service/triggers/secret-box.js';
import { parseNotification } from '../../service/triggers/kind-openstack.js';
import { tenantGrant } from '../../service/triggers/amqp-ingress.js';

test('topic patterns follow RabbitMQ semantics', (t) => {
  const cases: Array<[string, string, boolean]> = [
    ['order.*', 'order.created', true],
    ['order.*', 'order.created.eu', false],
    ['order.#', 'order', true],
    ['order.#', 'order.a.b.c', true],
    ['#', 'anything.at.all', true],
    ['*.created', 'order.created', true],
    ['#.created', 'a.b.created', true],
    ['#.created', 'created', true],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.z', 'a.b.c', false],
    ['instance.create.end', 'instance.create.end', true],
    ['instance.*.end', 'instance.delete.end', true],
  ];
  for (const [p, k, want] of cases) t.is(topicMatches(p, k), want, `${p} ~ ${k}`);
  for (const bad of ['', 'a..b', 'a.b*', 'a.#x', 'a b']) t.throws(() => validateTopicPattern(bad, 'config.pattern'), undefined, bad);
});

test('filters: type, source, subject prefix, data equality', (t) => {
  const f = validateFilter({ type: 'order.created', source: 'shop', subject_prefix: 'eu/', data: { 'data.order.total': 10, 'order.tags': ['a'] } });
  t.deepEqual(f.data, { 'order.total': 10, 'order.tags': ['a'] });
  const ev = { specversion: '1.0' as const, id: '1', source: 'shop', type: 'order.created', subject: 'eu/7', data: { order: { total: 10, tags: ['a'] } } };
  t.true(filterMatches(f, ev));
  t.false(filterMatches(f, { ...ev, subject: 'us/7' }));
  t.false(filterMatches(f, { ...ev, data: { order: { total: '10', tags: ['a'] } } }));
  t.false(filterMatches(f, { ...ev, type: 'order.paid' }));
  t.true(filterMatches({}, ev));
  t.throws(() => validateFilter({ colour: 'red' }));
  t.throws(() => validateFilter({ data: { 'a..b': 1 } }));
});

test('sealed secrets open only with the key and the same trigger id', (t) => {
  const key = '11'.repeat(32);
  const sealed = seal(key, 'amqp://u:p@h/v', 'trigger-1');
  t.false(sealed.includes('u:p'));
  t.is(open(key, sealed, 'trigger-1'), 'amqp://u:p@h/v');
  t.throws(() => open(key, sealed, 'trigger-2'));
  t.throws(() => open('22'.repeat(32), sealed, 'trigger-1'));
  const h = hashSecret('whsec_x');
  t.true(secretMatches('whsec_x', h));
  t.false(secretMatches('whsec_y', h));
});

test('oslo notifications: versioned Nova and unversioned Glance', (t) => {
  const nova = parseNotification(
    Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify({ message_id: 'm1', event_type: 'instance.create.end', publisher_id: 'nova-compute:h', timestamp: '2026-11-26 10:00:00.123456', payload: { 'nova_object.data': { tenant_id: 'p1', uuid: 's1' } } }) })),
    'nova',
  );
  t.like(nova, { messageId: 'm1', eventType: 'instance.create.end', projectId: 'p1', resourceId: 's1', service: 'nova' });
  const glance = parseNotification(Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify({ message_id: 'm2', event_type: 'image.upload', payload: { owner: 'p2', id: 'i1' } }) })), 'glance');
  t.like(glance, { projectId: 'p2', resourceId: 'i1' });
  t.is(parseNotification(Buffer.from('nope'), 'nova'), null);
});

test('tenant grants confine keys and queues to the project', (t) => {
  const g = tenantGrant('abc-123');
  t.regex('abc-123.order.created', new RegExp(g.topic.write));
  t.notRegex('other.order.created', new RegExp(g.topic.write));
  t.notRegex('#', new RegExp(g.topic.read));
  t.regex('fnstack.tenant.abc-123.mine', new RegExp(g.configure));
  t.notRegex('fnstack.tenant.other.mine', new RegExp(g.configure));
  t.notRegex('fnstack.events.ingress', new RegExp(g.read));
});
