/**
 * The listener stage for direct invocations: the event is wrapped in a CloudEvent, the
 * execution is recorded as queued, and the work is made durable on the queue before the
 * caller hears "accepted".
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { WorkQueue } from '../queue/queue.js';
import type { Execution, FnFunction } from '../model.js';
import type { CloudEvent } from '../runner/protocol.js';
import { limitsOf } from '../orchestrator/orchestrator.js';
import { executionsQuotaExceeded } from '../quota/quota-guard.js';

export interface CloudEventAttributes {
  id?: string;
  type?: string;
  source?: string;
  subject?: string;
}

export function invocationEvent(fn: FnFunction, data: unknown, attrs: CloudEventAttributes): CloudEvent {
  return {
    specversion: '1.0',
    id: attrs.id ?? randomUUID(),
    source: attrs.source ?? `fnstack:/functions/${fn.name}/invoke`,
    type: attrs.type ?? 'fnstack.invoke',
    ...(attrs.subject ? { subject: attrs.subject } : {}),
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

/** Records and queues the execution, within the project's executions-per-minute quota (429 over it). */
export async function acceptInvocation(store: Store, queue: WorkQueue, fn: FnFunction, event: CloudEvent, perMinute: number): Promise<Execution> {
  const admission = await store.ledger.createWithinQuota({
    id: randomUUID(),
    projectId: fn.projectId,
    functionId: fn.id,
    functionName: fn.name,
    functionVersion: fn.currentVersion,
    event,
    limits: limitsOf(fn.spec),
  }, perMinute);
  if (admission.overQuota) throw executionsQuotaExceeded(admission.overQuota.recent, admission.overQuota.limit);
  const { execution, created } = admission;
  // A replayed event id returns the existing execution and publishes nothing new.
  if (!created) return execution;
  try {
    await queue.publish({ kind: 'run', executionId: execution.id, projectId: fn.projectId });
  } catch (err) {
    // The caller hears 503 (nothing accepted): the stall sweeper must not find the row and run it anyway.
    await store.ledger.discard(execution.id).catch(() => undefined);
    throw err;
  }
  return execution;
}
