/**
 * The listener stage's one way in. Every source of events — the REST invoke, POST /v1/events,
 * webhooks, dead-letter retries, schedules, the service broker, tenant brokers, OpenStack
 * notifications — hands its events to an Ingest, which validates each envelope, applies the
 * project's executions-per-minute quota where the caller can still be told no (429), and
 * makes the work durable on the queue before it returns.
 *
 * Executions are created by the orchestrator when it routes an event, except for a direct
 * invocation: its caller is answered with the execution's id (and 429 over the quota) at
 * once, so that execution is created here, through the same ledger call.
 */
import type { Store } from '../store/store.js';
import { newExecutionOf, type QuotaAdmission } from '../store/execution-store.js';
import type { WorkMessage, WorkQueue } from '../queue/queue.js';
import { isFinal, type Execution, type FnFunction, type FunctionVersion } from '../model.js';
import type { CloudEvent } from '../runner/protocol.js';
import type { QuotaLimits } from '../config.js';
import { executionsQuotaExceeded, QuotaGuard } from '../quota/quota-guard.js';
import { TriggerRouter } from '../triggers/trigger-router.js';
import { validateEnvelope } from './cloudevents.js';

/**
 * How the quota is checked before events are queued: `routed`, as many executions as the
 * project's triggers route them to; `addressed`, one per event (addressed to one trigger);
 * `later`, not here — a background source has nobody to answer 429, so the orchestrator's
 * exact check at creation drops what is over and records why on the trigger.
 */
export type QuotaCheck = 'routed' | 'addressed' | 'later';

/**
 * A worker in this process that can run a sync invocation at once, without a work message
 * (the orchestrator). `reserve` takes one of its slots, or answers null (none came free soon
 * enough: queued work goes first, the lane never jumps the queue); a reservation ends with
 * exactly one `run` (of the execution created claimed by `claim.workerId`) or `unreserve`.
 * `serialized` is the worker's per-project check-and-claim section, so that its concurrency
 * quota stays exact in this process.
 */
export interface DirectLane {
  reserve(): Promise<{ workerId: string; leaseMs: number } | null>;
  unreserve(): void;
  serialized<T>(projectId: string, fn: () => Promise<T>): Promise<T>;
  /**
   * `version`: the function version the execution runs, when the caller holds it (spares a
   * read); `hasDestinations`: whether its function had outcome destinations when read.
   */
  run(execution: Execution, version?: FunctionVersion, hasDestinations?: boolean): void;
}

export class Ingest {
  private readonly quota: QuotaGuard;
  private readonly router: TriggerRouter;

  constructor(
    private readonly store: Store,
    private readonly queue: WorkQueue,
    quotas: QuotaLimits,
  ) {
    this.quota = new QuotaGuard(quotas);
    this.router = new TriggerRouter(store);
  }

  /** Events for the functions the project's triggers route them to; all or nothing on the quota. */
  async events(projectId: string, events: CloudEvent[], check: QuotaCheck, requestId?: string): Promise<void> {
    const valid = events.map((e, i) => validateEnvelope(e, events.length > 1 ? `events[${i}]` : 'event'));
    const scope = this.store.forProject(projectId);
    if (check === 'routed') await this.quota.beforeEvents(scope, this.router, valid);
    else if (check === 'addressed') await this.quota.beforeExecutions(scope, valid.length);
    for (const event of valid) await this.queue.publish({ kind: 'event', projectId, event, ...(requestId ? { requestId } : {}) });
  }

  /**
   * A direct invocation: the execution is recorded as queued and its work made durable; a
   * replayed event id returns the existing one. With a `lane` that has a free slot (a sync
   * invoke in a process that is also a worker) and the project under its concurrency quota,
   * the execution is recorded already claimed and handed to the lane: no work message, no
   * wait on the queue; its lease stands for the message (a dead worker's lease runs out and
   * the stall sweeper queues it). `awaited`: a sync invoke waits for the outcome, so the
   * worker that records it announces it to every API process.
   */
  async invocation(fn: FnFunction, event: CloudEvent, requestId: string | null = null, lane?: DirectLane | null, awaited = false): Promise<Execution> {
    validateEnvelope(event, 'event');
    const input = { ...newExecutionOf(fn, event, requestId), awaited };
    const perMinute = this.quota.defaults.executionsPerMinute; // the project's own quota is read with the minute's count
    const slot = (await lane?.reserve()) ?? null;
    let admission: QuotaAdmission;
    try {
      if (slot) {
        const concurrent = this.quota.defaults.concurrentExecutions; // the project's own is read at admission too
        admission = await lane!.serialized(fn.projectId, () => this.store.ledger.createWithinQuota(input, perMinute, Date.now(), { ...slot, concurrent }));
      } else {
        admission = await this.store.ledger.createWithinQuota(input, perMinute);
      }
    } catch (err) {
      if (slot) lane!.unreserve();
      throw err;
    }
    if (slot && admission.claimed) {
      lane!.run(admission.execution, fn.spec.version === admission.execution.functionVersion ? fn.spec : undefined, fn.hasDestinations);
      return admission.execution;
    }
    if (slot) lane!.unreserve();
    if (admission.overQuota) throw executionsQuotaExceeded(admission.overQuota.recent, admission.overQuota.limit);
    const { execution, created } = admission;
    if (!created) {
      if (awaited && !execution.awaited && !isFinal(execution.status)) await this.store.ledger.markAwaited(execution.id);
      return execution;
    }
    try {
      await this.queue.publish({ kind: 'run', executionId: execution.id, projectId: fn.projectId });
    } catch (err) {
      // The caller hears 503 (nothing accepted): the stall sweeper must not find the row and run it anyway.
      await this.store.ledger.discard(execution.id).catch(() => undefined);
      throw err;
    }
    // Off the caller's path: only the stall sweeper reads the mark (see markPublishedSoon).
    this.store.ledger.markPublishedSoon(execution.id).catch(() => undefined);
    return execution;
  }

  /** A dead letter sent back: a retried event starts what it is routed to, a retried run runs its execution again. */
  async retry(projectId: string, msg: WorkMessage): Promise<void> {
    const scope = this.store.forProject(projectId);
    if (msg.kind === 'event') {
      await this.events(projectId, [msg.event], 'routed');
      return;
    }
    await this.quota.beforeExecutions(scope, 1);
    if (await scope.executions.get(msg.executionId)) await this.store.ledger.reopen(msg.executionId);
    await this.queue.publish({ kind: 'run', executionId: msg.executionId, projectId });
  }
}
