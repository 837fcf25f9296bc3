/**
 * An AMQP message → CloudEvent: a body that is a CloudEvent envelope (structured mode) is
 * taken as is; any other JSON body is wrapped into one (message_id → id, type property → type).
 */
import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import type { CloudEvent } from '../runner/protocol.js';
import { validateEnvelope, wrapPlain } from '../listener/cloudevents.js';

export class UnreadableMessage extends Error {
  override readonly name = 'UnreadableMessage';
}

export function eventFromMessage(msg: ConsumeMessage, defaults: { source: string; type: string }): CloudEvent {
  const text = msg.content.toString('utf8');
  let body: unknown;
  try {
    body = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new UnreadableMessage('the message body is not JSON');
  }
  if (body && typeof body === 'object' && !Array.isArray(body) && 'specversion' in body) {
    try {
      return { ...validateEnvelope(body, 'message') };
    } catch (err) {
      throw new UnreadableMessage(`the message looks like a CloudEvent but is not one: ${(err as Error).message}`);
    }
  }
  const props = msg.properties as { messageId?: unknown; type?: unknown };
  return wrapPlain(body, {
    id: typeof props.messageId === 'string' && props.messageId ? props.messageId : randomUUID(),
    source: defaults.source,
    type: typeof props.type === 'string' && props.type ? props.type : defaults.type,
  });
}
