/**
 * A function's destinations (Lambda's): where each execution's outcome is sent as a CloudEvent,
 * on success and on failure (failed or timed out).
 *
 * - `events`: published into the project's own events, as if on the `fnstack.events` exchange
 *   with routing key `<project_id>.<routing_key>` (default: the event type): `event` triggers
 *   match its type, `amqp` triggers its routing key, so it can run other functions.
 * - `url`: POSTed in structured mode to an http(s) URL the tenant names (a hostile request
 *   target: see url-delivery.ts for the address rules).
 */
import { invalid } from '../errors.js';

export type Destination = { kind: 'events'; routing_key?: string } | { kind: 'url'; url: string };

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
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(field, `${field} must be an object with a kind: "events" or "url"`);
  const d = raw as Record<string, unknown>;
  const allowed = d.kind === 'events' ? ['kind', 'routing_key'] : d.kind === 'url' ? ['kind', 'url'] : null;
  if (!allowed) throw invalid(`${field}.kind`, `${field}.kind must be "events" or "url"`);
  for (const k of Object.keys(d)) if (!allowed.includes(k)) throw invalid(`${field}.${k}`, `${field}.${k} is not a field of a ${String(d.kind)} destination`);
  if (d.kind === 'events') {
    if (d.routing_key === undefined) return { kind: 'events' };
    if (typeof d.routing_key !== 'string' || d.routing_key.length > 200 || !ROUTING_KEY.test(d.routing_key)) {
      throw invalid(`${field}.routing_key`, `${field}.routing_key must be dot-separated words of letters, digits, '_' or '-' (at most 200 characters)`);
    }
    return { kind: 'events', routing_key: d.routing_key };
  }
  return { kind: 'url', url: checkUrl(d.url, `${field}.url`) };
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
