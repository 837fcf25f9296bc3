/**
 * The EventRouter the orchestrator asks for every event on the work queue (see
 * service/orchestrator/event-router.ts). Within the event's own project only:
 * - an event addressed to a trigger (`fnstacktrigger`: webhooks, schedules, tenant brokers,
 *   OpenStack notifications) goes to that trigger's function if it is enabled and its filter holds;
 * - any other event (POST /v1/events, the AMQP ingress) goes to every enabled `event` trigger
 *   whose pattern matches the type, and every `amqp` (service broker) trigger whose pattern
 *   matches the routing key (`fnstackkey`, else the type) — each if its filter holds.
 */
import type { EventRouter, RouteTarget } from '../orchestrator/event-router.js';
import type { CloudEvent } from '../runner/protocol.js';
import type { Store } from '../store/store.js';
import type { Trigger } from '../store/trigger-store.js';
import { ROUTING_KEY_ATTR, TRIGGER_ATTR } from './event-attrs.js';
import { filterMatches } from './filter.js';
import { isTenantBroker } from './kind-amqp.js';
import { STREAM_KINDS } from './kinds.js';
import { topicMatches } from './topic-pattern.js';

export class TriggerRouter implements EventRouter {
  constructor(private readonly store: Store) {}

  async route(projectId: string, event: CloudEvent): Promise<RouteTarget[]> {
    const triggers = this.store.forProject(projectId).triggers;
    const addressed = event[TRIGGER_ATTR];
    if (typeof addressed === 'string') {
      const t = await triggers.getById(addressed);
      return t && t.enabled && filterMatches(t.filter, event) ? [targetOf(t)] : [];
    }
    const key = typeof event[ROUTING_KEY_ATTR] === 'string' ? (event[ROUTING_KEY_ATTR] as string) : event.type;
    const candidates = await triggers.enabledOfKinds(STREAM_KINDS);
    return candidates.filter((t) => streamMatches(t, event, key) && filterMatches(t.filter, event)).map(targetOf);
  }

  async fired(projectId: string, target: RouteTarget, _event: CloudEvent, error?: string): Promise<void> {
    if (!target.triggerId) return;
    await this.store.forProject(projectId).triggers.recordFire(target.triggerId, error);
  }
}

export function streamMatches(t: Trigger, event: CloudEvent, routingKey: string): boolean {
  const pattern = typeof t.config.pattern === 'string' ? t.config.pattern : '#';
  if (t.kind === 'event') return topicMatches(pattern, event.type);
  if (t.kind === 'amqp') return !isTenantBroker(t.config) && topicMatches(pattern, routingKey);
  return false;
}

const targetOf = (t: Trigger): RouteTarget => ({ functionName: t.functionName, triggerId: t.id });
