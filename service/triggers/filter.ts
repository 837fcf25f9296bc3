/**
 * Trigger filters on CloudEvent attributes (type, source, subject prefix) and simple equality
 * on fields of the data (`{"data": {"order.status": "paid"}}` holds when data.order.status
 * equals "paid"). Every condition given must hold; an empty filter matches everything. Pure.
 */
import { isDeepStrictEqual } from 'node:util';
import { invalid } from '../errors.js';
import type { CloudEvent } from '../runner/protocol.js';
import type { TriggerFilter } from '../store/trigger-store.js';

const KEYS = ['type', 'source', 'subject_prefix', 'data'] as const;
const PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

export function validateFilter(raw: unknown): TriggerFilter {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('filter', 'filter must be an object');
  const f = raw as Record<string, unknown>;
  const out: TriggerFilter = {};
  for (const key of Object.keys(f)) {
    if (!(KEYS as readonly string[]).includes(key)) throw invalid(`filter.${key}`, `unknown filter '${key}': use ${KEYS.join(', ')}`);
  }
  for (const key of ['type', 'source', 'subject_prefix'] as const) {
    const v = f[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw invalid(`filter.${key}`, `filter.${key} must be a non-empty string of at most 1024 characters`);
    out[key] = v;
  }
  if (f.data !== undefined) {
    if (!f.data || typeof f.data !== 'object' || Array.isArray(f.data)) throw invalid('filter.data', 'filter.data must be an object of {"field.path": value}');
    const data = f.data as Record<string, unknown>;
    if (Object.keys(data).length > 20) throw invalid('filter.data', 'filter.data holds at most 20 conditions');
    for (const path of Object.keys(data)) {
      const bare = path.startsWith('data.') ? path.slice(5) : path;
      if (!PATH.test(bare) || bare.length > 255) throw invalid(`filter.data.${path}`, `'${path}' is not a field path like a.b.c`);
    }
    out.data = Object.fromEntries(Object.entries(data).map(([k, v]) => [k.startsWith('data.') ? k.slice(5) : k, v]));
  }
  return out;
}

export function filterMatches(filter: TriggerFilter, event: CloudEvent): boolean {
  if (filter.type !== undefined && event.type !== filter.type) return false;
  if (filter.source !== undefined && event.source !== filter.source) return false;
  if (filter.subject_prefix !== undefined && !(typeof event.subject === 'string' && event.subject.startsWith(filter.subject_prefix))) return false;
  if (filter.data) {
    for (const [path, want] of Object.entries(filter.data)) {
      if (!isDeepStrictEqual(fieldAt(event.data, path), want)) return false;
    }
  }
  return true;
}

function fieldAt(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
