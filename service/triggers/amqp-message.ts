/**
 * An AMQP message → CloudEvent: a body that is a CloudEvent envelope (structured mode) is
 * taken as is; any other JSON body is wrapped into one (message_id → id, type property → type).
 */
import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import type { CloudEvent } from '../runner/protocol.js';
import { newCloudEvent, validateEnvelope } from '../listener/cloudevents.js';
import { parseJsonBytes } from '../api/json-body.js';

export class UnreadableMessage extends Error {
  override readonly name = 'UnreadableMessage';
}

export function eventFromMessage(msg: ConsumeMessage, defaults: { source: string; type: string }): CloudEvent {
  let body: unknown;
  try {
    // The same rules as HTTP bodies: valid UTF-8, at most 100 levels deep, no duplicate or prototype keys.
    body = msg.content.length === 0 ? {} : parseJsonBytes(msg.content, 'the message body');
  } catch (err) {
    throw new UnreadableMessage(err instanceof Error ? err.message : 'the message body is not JSON');
  }
  if (body && typeof body === 'object' && !Array.isArray(body) && 'specversion' in body) {
    try {
      return { ...validateEnvelope(body, 'message') };
    } catch (err) {
      throw new UnreadableMessage(`the message looks like a CloudEvent but is not one: ${(err as Error).message}`);
    }
  }
  const props = msg.properties as { messageId?: unknown; type?: unknown };
  return newCloudEvent({
    data: body,
    id: typeof props.messageId === 'string' && props.messageId ? props.messageId : randomUUID(),
    source: defaults.source,
    type: typeof props.type === 'string' && props.type ? props.type : defaults.type,
  });
}
