/**
 * CloudEvents 1.0 over HTTP: structured mode (`application/cloudevents+json`, the whole
 * envelope in the body; or a JSON batch `application/cloudevents-batch+json`) and binary
 * mode (`ce-*` headers carry the attributes, the body is the data).
 */
import { randomUUID } from 'node:crypto';
import { invalid } from '../errors.js';
import type { CloudEvent } from '../runner/protocol.js';

const REQUIRED = ['id', 'source', 'type'] as const;
const ATTR = /^[a-z0-9]{1,20}$/;

export function validateEnvelope(raw: unknown, where = 'body'): CloudEvent {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(where, `${where} must be a CloudEvent object`);
  const e = raw as Record<string, unknown>;
  if (e.specversion !== '1.0') throw invalid(`${where}.specversion`, `specversion must be "1.0", not ${JSON.stringify(e.specversion)}`);
  for (const k of REQUIRED) {
    if (typeof e[k] !== 'string' || (e[k] as string).length === 0) throw invalid(`${where}.${k}`, `${k} is required and must be a non-empty string`);
    if ((e[k] as string).length > 1024) throw invalid(`${where}.${k}`, `${k} is longer than 1024 characters`);
  }
  for (const k of Object.keys(e)) {
    if (k !== 'data' && k !== 'data_base64' && !ATTR.test(k)) throw invalid(`${where}.${k}`, `attribute name '${k}' must be 1-20 lower-case letters or digits`);
  }
  if (e.time !== undefined && (typeof e.time !== 'string' || Number.isNaN(Date.parse(e.time)))) throw invalid(`${where}.time`, 'time must be an RFC 3339 timestamp');
  if (e.subject !== undefined && typeof e.subject !== 'string') throw invalid(`${where}.subject`, 'subject must be a string');
  return e as CloudEvent;
}

/** Binary mode: attributes from `ce-*` headers, data from the (already parsed) body. */
export function fromBinary(headers: Record<string, string | string[] | undefined>, body: unknown, contentType: string | undefined): CloudEvent {
  const attrs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('ce-') || value === undefined) continue;
    attrs[name.slice(3)] = Array.isArray(value) ? value.join(',') : decodeURIComponent(value);
  }
  const event = { ...attrs, ...(contentType ? { datacontenttype: contentType.split(';')[0] } : {}), ...(body === undefined ? {} : { data: body }) };
  return validateEnvelope(event, 'headers');
}

export interface NewCloudEvent {
  /** Default: a random UUID. */
  id?: string;
  source: string;
  type: string;
  subject?: string;
  /** Default: now. */
  time?: string;
  /** With `data`; default application/json. */
  datacontenttype?: string;
  data?: unknown;
  /** Binary data that is not JSON (then `data` is absent). */
  data_base64?: string;
  /** Extension attributes (names of 1-20 lower-case letters or digits). */
  extensions?: Record<string, string | number | boolean>;
}

/** The one way fnstack builds a CloudEvent (sources that receive one validate it instead). */
export function newCloudEvent(e: NewCloudEvent): CloudEvent {
  const payload = e.data_base64 !== undefined ? { data_base64: e.data_base64 } : { data: e.data ?? null };
  return {
    specversion: '1.0',
    id: e.id ?? randomUUID(),
    source: e.source,
    type: e.type,
    ...(e.subject ? { subject: e.subject } : {}),
    time: e.time ?? new Date().toISOString(),
    datacontenttype: e.datacontenttype ?? 'application/json',
    ...payload,
    ...e.extensions,
  };
}
