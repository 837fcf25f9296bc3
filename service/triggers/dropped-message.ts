/**
 * A message the service broker's ingress cannot turn into an event (no `<key>` after the
 * project, a body that is not JSON or not a valid CloudEvent) is kept as a dead letter of the
 * project its routing key names, with the reason, so that the tenant sees what was dropped
 * (GET /v1/dead-letters). It is not a work message: it can be read and discarded, not retried.
 */
import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import type { Store } from '../store/store.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';

/** How much of the body a dead letter keeps. */
export const KEPT_BODY_BYTES = 64 * 1024;

export interface DroppedMessage {
  kind: 'amqp_message';
  exchange: string;
  routing_key: string;
  message_id: string | null;
  type: string | null;
  content_type: string | null;
  /** The body as UTF-8 text when it is valid UTF-8, else base64 in body_base64; at most KEPT_BODY_BYTES. */
  body?: string;
  body_base64?: string;
  body_bytes: number;
  body_truncated: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function droppedMessageOf(msg: ConsumeMessage): DroppedMessage {
  const kept = msg.content.subarray(0, KEPT_BODY_BYTES);
  let text: string | undefined;
  try {
    text = utf8.decode(kept);
  } catch {
    text = undefined; // not UTF-8, or cut inside a character
  }
  const p = msg.properties as { messageId?: unknown; type?: unknown; contentType?: unknown };
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v.slice(0, 1024) : null);
  return {
    kind: 'amqp_message',
    exchange: msg.fields.exchange,
    routing_key: msg.fields.routingKey,
    message_id: str(p.messageId),
    type: str(p.type),
    content_type: str(p.contentType),
    ...(text !== undefined ? { body: text } : { body_base64: kept.toString('base64') }),
    body_bytes: msg.content.length,
    body_truncated: msg.content.length > kept.length,
  };
}

/** Records the message as a dead letter of the project, with the reason the tenant reads. */
export async function recordDroppedMessage(store: Store, projectId: string, queue: string, msg: ConsumeMessage, reason: string): Promise<void> {
  await DeadLetterStore.record(store.db, { id: randomUUID(), projectId, queue, payload: JSON.stringify(droppedMessageOf(msg)), reason, attempts: 1 });
}
