/**
 * CloudEvents 1.0 over HTTP: structured mode (`application/cloudevents+json`, the whole
 * envelope in the body; or a JSON batch `application/cloudevents-batch+json`) and binary
 * mode (`ce-*` headers carry the attributes, the body of any content type is the data).
 */
import { randomUUID } from 'node:crypto';
import { invalid } from '../errors.js';
import { parseJsonBytes } from '../api/json-body.js';
import type { CloudEvent } from '../runner/protocol.js';

export const STRUCTURED_TYPE = 'application/cloudevents+json';
export const BATCH_TYPE = 'application/cloudevents-batch+json';

/** The media type of a Content-Type header, lower-cased, without parameters ('' when absent). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

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

/** Structured mode: the raw body is one CloudEvent in JSON. */
export function fromStructured(raw: Buffer, where = 'body'): CloudEvent {
  return validateEnvelope(parseJsonBytes(raw, where), where);
}

/**
 * Binary mode: attributes from `ce-*` headers, data from the raw body of any content type
 * (see bodyAsData); the Content-Type is kept as datacontenttype.
 */
export function fromBinary(headers: Record<string, string | string[] | undefined>, raw: Buffer): CloudEvent {
  const attrs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('ce-') || value === undefined) continue;
    attrs[name.slice(3)] = Array.isArray(value) ? value.join(',') : decodeHeader(name, value);
  }
  const contentType = mediaTypeOf(headers['content-type'] as string | undefined);
  const payload = raw.length === 0 ? (contentType ? { datacontenttype: contentType } : {}) : bodyAsData(raw, contentType);
  return validateEnvelope({ ...attrs, ...payload }, 'headers');
}

function decodeHeader(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid(`headers.${name}`, `header ${name} is not valid percent-encoding`);
  }
}

export type EventPayload = Pick<NewCloudEvent, 'datacontenttype' | 'data' | 'data_base64'>;

/**
 * A body as an event's data (binary mode, webhooks): JSON (no type, application/json, any
 * +json) as the parsed value; text (text/*, form, XML) as a string; anything else as
 * data_base64. The content type is kept as datacontenttype.
 */
export function bodyAsData(raw: Buffer, contentType: string): EventPayload {
  if (contentType === '' || contentType === 'application/json' || contentType.endsWith('+json')) {
    return { datacontenttype: contentType || 'application/json', data: parseJsonBytes(raw, 'body') };
  }
  if (contentType.startsWith('text/') || contentType === 'application/x-www-form-urlencoded' || contentType === 'application/xml') {
    return { datacontenttype: contentType, data: raw.toString('utf8') };
  }
  return { datacontenttype: contentType, data_base64: raw.toString('base64') };
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
