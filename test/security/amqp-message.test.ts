/** Messages from a broker (the service's exchange or a tenant's) are read like HTTP bodies: hostile JSON is refused, not passed on. */
import test from 'ava';
import type { ConsumeMessage } from 'amqplib';
import { eventFromMessage, UnreadableMessage } from '../../service/triggers/amqp-message.js';

const message = (content: Buffer, properties: Record<string, unknown> = {}) => ({ content, properties, fields: {} }) as unknown as ConsumeMessage;
const defaults = { source: 'test', type: 'test.plain' };

test('a plain JSON body becomes the data of a CloudEvent', (t) => {
  const e = eventFromMessage(message(Buffer.from('{"n":1}'), { messageId: 'm-1' }), defaults);
  t.like(e, { id: 'm-1', type: 'test.plain', data: { n: 1 } });
});

for (const [what, body, why] of [
  ['nested 100 000 levels deep', Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)), /deeper than 100/],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), /UTF-8/],
  ['a duplicate key', Buffer.from('{"a":1,"a":2}'), /appears twice/],
  ['a __proto__ key', Buffer.from('{"__proto__":{"polluted":true}}'), /__proto__/],
  ['not JSON at all', Buffer.from('not json'), /not valid JSON/],
] as const) {
  test(`a body with ${what} is an unreadable message, with the reason`, (t) => {
    const err = t.throws(() => eventFromMessage(message(body), defaults), { instanceOf: UnreadableMessage });
    t.regex(err?.message ?? '', why);
  });
}
