/** Trigger → API JSON (snake_case, ISO times). Secrets never appear here. */
import type { Trigger } from '../store/trigger-store.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function triggerJson(t: Trigger, baseUrl: string) {
  return {
    id: t.id,
    name: t.name,
    function: t.functionName,
    kind: t.kind,
    config: t.config,
    filter: t.filter,
    enabled: t.enabled,
    ...(t.kind === 'http' ? { webhook_url: `${baseUrl}/v1/hooks/${t.id}` } : {}),
    last_fired_at: iso(t.lastFiredAt),
    fire_count: t.fireCount,
    last_error: t.lastError,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
  };
}

export const TriggerBodySchema = {
  $id: 'Trigger',
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    function: { type: 'string' },
    kind: { type: 'string', enum: ['event', 'http', 'amqp', 'schedule', 'openstack'] },
    config: { type: 'object', additionalProperties: true },
    filter: { type: 'object', additionalProperties: true },
    enabled: { type: 'boolean' },
    webhook_url: { type: 'string', description: 'http triggers: where to POST' },
    secret: { type: 'string', description: 'http triggers: the webhook secret, in the create answer only' },
    last_fired_at: { type: ['string', 'null'] },
    fire_count: { type: 'integer' },
    last_error: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;
