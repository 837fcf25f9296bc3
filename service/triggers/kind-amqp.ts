/**
 * `amqp`, two sources:
 * - the service broker: `{ "pattern": "orders.#" }`. Tenants publish to the `fnstack.events`
 *   topic exchange with routing key `<project_id>.<key>`; the pattern (AMQP topic syntax) is
 *   matched against `<key>`, within the trigger's own project only (amqp-ingress.ts). Events
 *   posted to /v1/events are matched by their type.
 * - the tenant's own broker: `{ "broker_url": "amqp://user:pass@host/vhost", "queue": "jobs" }`.
 *   The URL (with its credentials) is sealed at rest and never returned; the shown config
 *   keeps only `broker` (scheme, host, port, vhost) and `queue` (tenant-broker.ts). Where the
 *   broker may be is checked at create/update and again at every connect (broker-policy.ts).
 */
import { invalid } from '../errors.js';
import { BrokerRefused, BrokerUnresolved, type BrokerPolicy } from './broker-policy.js';
import { onlyKeys, type PrepareKind } from './kind.js';
import { openJson, sealJson } from './secret-box.js';
import { validateTopicPattern } from './topic-pattern.js';

export const prepareAmqp: PrepareKind = (raw, ctx) => {
  if (raw.broker_url !== undefined || raw.queue !== undefined) {
    onlyKeys(raw, ['broker_url', 'queue', 'prefetch'], 'amqp (tenant broker)');
    if (typeof raw.queue !== 'string' || !/^[A-Za-z0-9_.:@/-]{1,255}$/.test(raw.queue)) {
      throw invalid('config.queue', 'config.queue must name a queue on your broker (1-255 of A-Z a-z 0-9 _ . : @ / -)');
    }
    const prefetch = raw.prefetch === undefined ? 10 : raw.prefetch;
    if (!Number.isInteger(prefetch) || (prefetch as number) < 1 || (prefetch as number) > 1000) throw invalid('config.prefetch', 'config.prefetch must be an integer from 1 to 1000');
    let brokerUrl: string;
    if (raw.broker_url === undefined) {
      // An update that does not restate the URL keeps the stored one.
      const sealed = ctx.existing?.secrets.sealedSecret;
      if (!sealed || !ctx.existing?.config.broker) throw invalid('config.broker_url', 'config.broker_url is required: amqp://user:password@host:port/vhost');
      brokerUrl = String(openJson(ctx.secretsKey, sealed, ctx.triggerId).broker_url);
    } else {
      brokerUrl = validateBrokerUrl(raw.broker_url);
    }
    return {
      config: { broker: publicBroker(brokerUrl), queue: raw.queue, prefetch },
      secrets: { sealedSecret: sealJson(ctx.secretsKey, { broker_url: brokerUrl }, ctx.triggerId), secretHash: null },
      verify: () => checkBroker(ctx.brokerPolicy, brokerUrl),
    };
  }
  onlyKeys(raw, ['pattern'], 'amqp (service broker)');
  if (raw.pattern === undefined) throw invalid('config.pattern', 'config.pattern is required (a routing-key pattern like "orders.*"), or give broker_url and queue for your own broker');
  return { config: { pattern: validateTopicPattern(raw.pattern, 'config.pattern') }, secrets: { sealedSecret: null, secretHash: null } };
};

export function validateBrokerUrl(raw: unknown, field = 'config.broker_url'): string {
  if (typeof raw !== 'string' || raw.length > 2048) throw invalid(field, `${field} must be an amqp:// or amqps:// URL`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid(field, `${field} is not a URL`);
  }
  if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:') throw invalid(field, `${field} must start with amqp:// or amqps://`);
  if (!u.hostname) throw invalid(field, `${field} names no host`);
  return raw;
}

/**
 * Refuses a broker the service must not connect to. A name that does not resolve now is
 * accepted: it is resolved and checked again before every connection.
 */
export async function checkBroker(policy: BrokerPolicy, url: string, field = 'config.broker_url'): Promise<void> {
  try {
    await policy.target(url);
  } catch (err) {
    if (err instanceof BrokerRefused) throw invalid(field, `${field}: ${err.message}`);
    if (!(err instanceof BrokerUnresolved)) throw err;
  }
}

/** The broker URL without user and password: what the API may show. */
export function publicBroker(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '' ? '/' : u.pathname}`;
}

export const isTenantBroker = (config: Record<string, unknown>): boolean => typeof config.queue === 'string';
