/** How triggers are shown: a table for lists, key/value fields for one. */
import { formatFields, formatTable } from '../../output/table.js';

export interface TriggerInfo {
  id: string;
  name: string;
  function: string;
  kind: string;
  config: Record<string, unknown>;
  filter: Record<string, unknown>;
  enabled: boolean;
  webhook_url?: string;
  secret?: string;
  last_fired_at: string | null;
  fire_count: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** The API fields behind triggerTable's columns (what `-f value` prints). */
export const TRIGGER_COLUMNS = ['name', 'kind', 'function', 'enabled', 'fire_count', 'last_fired_at'];

export function triggerTable(items: TriggerInfo[]): string {
  return formatTable(
    ['NAME', 'KIND', 'FUNCTION', 'SOURCE', 'ENABLED', 'FIRED', 'LAST FIRED'],
    items.map((t) => [t.name, t.kind, t.function, sourceOf(t), t.enabled ? 'yes' : 'no', String(t.fire_count), t.last_fired_at ?? '-']),
    { alignRight: [5] },
  );
}

export function triggerDetails(t: TriggerInfo): string {
  const fields: Array<[string, string]> = [
    ['name', t.name],
    ['id', t.id],
    ['kind', t.kind],
    ['function', t.function],
    ['enabled', t.enabled ? 'yes' : 'no'],
    ['config', JSON.stringify(t.config)],
    ['filter', Object.keys(t.filter).length ? JSON.stringify(t.filter) : '-'],
  ];
  if (t.webhook_url) fields.push(['webhook url', t.webhook_url]);
  if (t.secret) fields.push(['secret', `${t.secret}   (shown this once: keep it now)`]);
  fields.push(['fired', String(t.fire_count)], ['last fired', t.last_fired_at ?? '-'], ['last error', t.last_error ?? '-'], ['created', t.created_at], ['updated', t.updated_at]);
  return formatFields(fields);
}

function sourceOf(t: TriggerInfo): string {
  const c = t.config;
  switch (t.kind) {
    case 'schedule':
      return `${String(c.cron)} ${String(c.timezone ?? 'UTC')}`;
    case 'amqp':
      return c.queue ? `${String(c.broker)} ${String(c.queue)}` : String(c.pattern);
    case 'openstack':
      return `${String(c.event_type)} @${String(c.project_id)}`;
    case 'http':
      return 'webhook';
    default:
      return String(c.pattern ?? '#');
  }
}
