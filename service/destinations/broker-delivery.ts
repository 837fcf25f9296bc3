/**
 * Publishes an outcome event to an exchange on a tenant's own broker: the address is checked
 * (the tenant-broker rules, broker-policy.ts) and connected to as checked, the message is
 * persistent, `application/cloudevents+json`, message id = event id, and counts as sent once
 * the broker confirms it.
 */
import amqplib from 'amqplib';
import { BrokerRefused, type BrokerPolicy } from '../triggers/broker-policy.js';
import { tenantVisibleError } from '../triggers/tenant-broker.js';
import type { CloudEvent } from '../runner/protocol.js';
import { DeliveryFailed } from './url-delivery.js';

export async function publishEvent(brokerUrl: string, exchange: string, routingKey: string, event: CloudEvent, policy: BrokerPolicy, timeoutMs = 10_000): Promise<void> {
  let target;
  try {
    target = await policy.target(brokerUrl);
  } catch (err) {
    if (err instanceof BrokerRefused) throw new DeliveryFailed(`refused: ${err.message}`, false);
    throw new DeliveryFailed((err as Error).message, true);
  }
  let conn: amqplib.ChannelModel;
  try {
    conn = await amqplib.connect(target.url, { timeout: timeoutMs, ...(target.servername ? { servername: target.servername } : {}), clientProperties: { connection_name: 'fnstack destination' } });
  } catch (err) {
    throw new DeliveryFailed(`tenant broker: ${tenantVisibleError(err as Error, 'connect')}`, true);
  }
  conn.on('error', () => undefined);
  try {
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ch.publish(exchange, routingKey, Buffer.from(JSON.stringify(event)), { persistent: true, contentType: 'application/cloudevents+json', messageId: event.id, type: event.type }, (err) =>
        err ? reject(new DeliveryFailed('the broker did not accept the message', true)) : resolve(),
      );
    });
  } catch (err) {
    if (err instanceof DeliveryFailed) throw err;
    throw new DeliveryFailed(`tenant broker: ${tenantVisibleError(err as Error, 'channel')}`, true);
  } finally {
    await conn.close().catch(() => undefined);
  }
}
