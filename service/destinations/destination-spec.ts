/**
 * A function's destinations (Lambda's): where each execution's outcome is sent as a CloudEvent,
 * on success and on failure (failed or timed out).
 *
 * - `events`: published into the project's own events, as if on the `fnstack.events` exchange
 *   with routing key `<project_id>.<routing_key>` (default: the event type): `event` triggers
 *   match its type, `amqp` triggers its routing key, so it can run other functions.
 * - `url`: POSTed in structured mode to an http(s) URL the tenant names (a hostile request
 *   target: see url-delivery.ts for the address rules).
 * - `broker`: published to an exchange on the tenant's own AMQP broker (the tenant-broker
 *   trigger's address rules; the URL with its credentials is sealed at rest, never shown).
 */
import { invalid } from '../errors.js';
import { publicBroker, validateBrokerUrl } from '../triggers/kind-amqp.js';
import { openJson, sealJson } from '../triggers/secret-box.js';

export type Destination =
  | { kind: 'events'; routing_key?: string }
  | { kind: 'url'; url: string }
  /** As given: broker_url carries the credentials. */
  | { kind: 'broker'; broker_url: string; exchange: string; routing_key: string };

/** A destination as stored and shown: a broker's URL without credentials (`broker`). */
export type ShownDestination = Exclude<Destination, { kind: 'broker' }> | { kind: 'broker'; broker: string; exchange: string; routing_key: string };

export interface DestinationsSpec {
  on_success?: Destination;
  on_failure?: Destination;
}

export const DESTINATION_SLOTS = ['on_success', 'on_failure'] as const;
const ROUTING_KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const MAX_URL = 2048;

/** The request body of PUT /v1/functions/{name}/destinations, checked; 400 names the field. */
export function checkDestinations(raw: unknown): DestinationsSpec {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('body', 'send { on_success?, on_failure? }');
  const body = raw as Record<string, unknown>;
  for (const k of Object.keys(body)) {
    if (!(DESTINATION_SLOTS as readonly string[]).includes(k)) throw invalid(k, `unknown field '${k}': destinations are on_success and on_failure`);
  }
  const out: DestinationsSpec = {};
  for (const slot of DESTINATION_SLOTS) {
    if (body[slot] === undefined || body[slot] === null) continue;
    out[slot] = checkDestination(body[slot], slot);
  }
  return out;
}

function checkDestination(raw: unknown, field: string): Destination {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(field, `${field} must be an object with a kind: "events", "url" or "broker"`);
  const d = raw as Record<string, unknown>;
  const allowed = d.kind === 'events' ? ['kind', 'routing_key'] : d.kind === 'url' ? ['kind', 'url'] : d.kind === 'broker' ? ['kind', 'broker_url', 'exchange', 'routing_key'] : null;
  if (!allowed) throw invalid(`${field}.kind`, `${field}.kind must be "events", "url" or "broker"`);
  for (const k of Object.keys(d)) if (!allowed.includes(k)) throw invalid(`${field}.${k}`, `${field}.${k} is not a field of a ${String(d.kind)} destination`);
  if (d.kind === 'events') {
    if (d.routing_key === undefined) return { kind: 'events' };
    if (typeof d.routing_key !== 'string' || d.routing_key.length > 200 || !ROUTING_KEY.test(d.routing_key)) {
      throw invalid(`${field}.routing_key`, `${field}.routing_key must be dot-separated words of letters, digits, '_' or '-' (at most 200 characters)`);
    }
    return { kind: 'events', routing_key: d.routing_key };
  }
  if (d.kind === 'url') return { kind: 'url', url: checkUrl(d.url, `${field}.url`) };
  const exchange = d.exchange ?? '';
  if (typeof exchange !== 'string' || !AMQP_NAME.test(exchange)) throw invalid(`${field}.exchange`, `${field}.exchange must be an exchange name of at most 255 of A-Z a-z 0-9 _ . : - ("" or absent: the default exchange)`);
  if (typeof d.routing_key !== 'string' || d.routing_key.length === 0 || !AMQP_NAME.test(d.routing_key)) {
    throw invalid(`${field}.routing_key`, `${field}.routing_key is required: 1-255 of A-Z a-z 0-9 _ . : - (with the default exchange, a queue name)`);
  }
  return { kind: 'broker', broker_url: validateBrokerUrl(d.broker_url, `${field}.broker_url`), exchange, routing_key: d.routing_key };
}

const AMQP_NAME = /^[A-Za-z0-9_.:-]{0,255}$/;

/** Splits destinations into what is stored and shown, and the sealed broker URLs (bound to the function). */
export function sealDestinations(spec: DestinationsSpec, secretsKey: string, functionId: string): { shown: Record<string, ShownDestination>; sealed: string | null } {
  const shown: Record<string, ShownDestination> = {};
  const urls: Record<string, string> = {};
  for (const slot of DESTINATION_SLOTS) {
    const d = spec[slot];
    if (!d) continue;
    if (d.kind !== 'broker') {
      shown[slot] = d;
      continue;
    }
    shown[slot] = { kind: 'broker', broker: publicBroker(d.broker_url), exchange: d.exchange, routing_key: d.routing_key };
    urls[slot] = d.broker_url;
  }
  return { shown, sealed: Object.keys(urls).length > 0 ? sealJson(secretsKey, urls, functionId) : null };
}

/** The sealed broker URL of a slot. */
export function openBrokerUrl(sealed: string | null, slot: string, secretsKey: string, functionId: string): string {
  if (!sealed) throw new Error('no broker URL is stored for this destination');
  const url = openJson(secretsKey, sealed, functionId)[slot];
  if (typeof url !== 'string') throw new Error('no broker URL is stored for this destination');
  return url;
}

function checkUrl(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL) throw invalid(field, `${field} must be an http or https URL of at most ${MAX_URL} characters`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid(field, `${field} is not a valid URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid(field, `${field} must be http:// or https://, not ${u.protocol}`);
  if (u.username || u.password) throw invalid(field, `${field} must not carry credentials (user:password@)`);
  if (u.hash) throw invalid(field, `${field} must not have a #fragment`);
  return u.toString();
}
