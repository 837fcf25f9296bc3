/**
 * The orchestrator stage: consumes the work queue and carries each execution to a final
 * status — claim (lease), provision, run, record, release — and only then acks. Any number
 * of orchestrators may run side by side; they share only the store and the queue.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { newExecutionOf, type FinishedRecord, type ProjectBacklog, type RunningMark } from '../store/execution-store.js';
import type { Delivery, Consumer, WorkQueue, WorkMessage } from '../queue/queue.js';
import { backoffMs, isWorkMessage, REQUEST_ID } from '../queue/queue.js';
import { isTransientStoreError } from '../store/store-errors.js';
import type { Provider, Environment } from '../provisioner/provider.js';
import { ProvisioningError } from '../provisioner/provider.js';
import type { CodeCache } from '../code/code-cache.js';
import type { ExecutionEvents } from './execution-events.js';
import { findRuntime } from '../runtimes.js';
import { contextEnv, provisioningParams } from './provisioning-params.js';
import { isFinal, type Execution, type ExecutionSummary, type FunctionVersion } from '../model.js';
import type { Assignment, CloudEvent, RunOutcome } from '../runner/protocol.js';
import type { Config } from '../config.js';
import { ConcurrencyGate } from '../quota/concurrency-gate.js';
import { LiveLog } from '../runner/live-log.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';
import { noBindings, type EventRouter, type RouteTarget } from './event-router.js';
import type { DirectLane } from '../listener/ingest.js';
import { Slots } from './slots.js';
import type { KnownFunction } from '../destinations/outcome-delivery.js';

export interface OrchestratorDeps {
  config: Readonly<Config>;
  store: Store;
  queue: WorkQueue;
  provider: Provider;
  codeCache: CodeCache;
  events: ExecutionEvents;
  logger: Logger;
  /** Which functions an event runs (triggers); default: only events addressed to one function. */
  router?: EventRouter;
  /** Counts executions, stage timings, trigger fires and dead letters (Prometheus). */
  metrics?: ServiceMetrics;
  /** Told of every execution that may have reached its final status (destinations); must not block. */
  outcomes?: { afterFinal(executionId: string, known?: KnownFunction): void; drain(): Promise<void> };
}

/**
 * How long a sync invoke waits for a slot of this worker before it takes the queue, ms, and how
 * many may wait per slot: enough to keep the slots busy between a run and the next request
 * without holding callers behind long runs (the queue then orders them fairly).
 */
const DIRECT_WAIT_MS = 200;
const DIRECT_WAITERS_PER_SLOT = 4;

/**
 * How long a read of the backlog serves this worker's choices. The read groups every queued
 * execution, so per message it grew with the queue; a choice made on a view this old still
 * claims atomically and falls back to the message's own execution, and a project that starts
 * queueing waits at most this much longer to be seen.
 */
const BACKLOG_VIEW_MS = 250;

export class Orchestrator implements DirectLane {
  readonly workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private consumer: Consumer | null = null;
  private readonly aborts = new Set<AbortController>();
  /** The per-project concurrency quota: over it, executions wait in the queue. */
  private readonly gate: ConcurrencyGate;
  /** Round robin across projects: when this worker last started an execution of each (a counter). */
  private readonly lastServed = new Map<string, number>();
  private served = 0;
  /** This worker's execution slots, shared by queue deliveries and the direct lane. */
  private readonly slots: Slots;
  private stopping = false;
  private backlogView: { readAt: number; read: Promise<ProjectBacklog[]> } | null = null;

  constructor(private readonly deps: OrchestratorDeps) {
    this.gate = new ConcurrencyGate(deps.store, deps.config.quotas);
    this.slots = new Slots(deps.config.execution.concurrency);
  }

  async start(): Promise<void> {
    this.consumer = await this.deps.queue.consume((d) => this.handle(d), { prefetch: this.deps.config.execution.concurrency });
  }

  /** Graceful stop: take no new work; in-flight executions finish (or are abandoned to the lease after `graceMs`). */
  async stop(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    const stopping = this.consumer?.stop();
    const timer = setTimeout(() => this.aborts.forEach((a) => a.abort()), graceMs);
    await stopping;
    clearTimeout(timer);
    await this.deps.outcomes?.drain();
  }

  private async handle(delivery: Delivery): Promise<void> {
    const msg = delivery.message;
    if (!isWorkMessage(msg)) {
      this.deps.logger.error({ msg }, 'poison work message: dead-lettered without retries');
      await delivery.deadLetter(`not a work message: ${JSON.stringify(msg)?.slice(0, 200)}`);
      this.deps.metrics?.deadLetter();
      return;
    }
    await this.slots.take();
    try {
      if (msg.kind === 'run') await this.runExecution(msg.executionId);
      else await this.routeEvent(msg);
      await delivery.ack();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const transient = isTransientStoreError(err);
      if (!transient && delivery.attempt >= this.deps.config.execution.maxAttempts) {
        this.deps.logger.error({ err, msg }, 'giving up on work message');
        await this.markDeadLettered(msg, reason);
        await delivery.deadLetter(reason);
        this.deps.metrics?.deadLetter();
      } else {
        // An unreachable store is nobody's fault: back off (capped) for as long as it lasts.
        const delay = transient ? backoffMs(Math.min(delivery.attempt, 5), 500, 5_000) : backoffMs(delivery.attempt);
        this.deps.logger.warn({ err: reason, attempt: delivery.attempt, delay, transient }, 'work message failed; retrying');
        await delivery.retry(delay, reason);
      }
    } finally {
      this.slots.give();
    }
  }

  // The direct lane (listener/ingest.ts): a sync invoke in this process runs in a free slot.

  async reserve(): Promise<{ workerId: string; leaseMs: number } | null> {
    if (this.stopping) return null;
    if (!(await this.slots.takeDirect(DIRECT_WAIT_MS, this.slots.size * DIRECT_WAITERS_PER_SLOT))) return null;
    if (this.stopping) {
      this.slots.give();
      return null;
    }
    return { workerId: this.workerId, leaseMs: this.deps.config.execution.leaseMs };
  }

  unreserve(): void {
    this.slots.give();
  }

  serialized<T>(projectId: string, fn: () => Promise<T>): Promise<T> {
    return this.gate.serialized(projectId, fn);
  }

  run(execution: Execution, version?: FunctionVersion, hasDestinations?: boolean): void {
    // The execution is exactly the row just inserted: its final record can be handed to the waiter.
    this.runClaimed(execution, { version, hasDestinations, exact: true })
      .catch(async (err: unknown) => {
        // runClaimed handed it back (queued): from here it is retried as queued work is.
        this.deps.logger.warn({ err, executionId: execution.id }, 'direct run failed; the execution goes to the work queue');
        await this.deps.queue.publish({ kind: 'run', executionId: execution.id, projectId: execution.projectId });
        await this.deps.store.ledger.markPublished([execution.id]);
      })
      .catch((err: unknown) => this.deps.logger.warn({ err, executionId: execution.id }, 'could not queue the execution; the stall sweeper will'))
      .finally(() => this.slots.give());
  }

  /**
   * An event becomes one execution per function it is routed to (idempotent on the event id),
   * each run in turn by this worker. Each one counts against the project's executions-per-minute
   * quota; over it, the execution is not created and the trigger that asked for it records why
   * (last_error): a flood is dropped, not kept waiting (docs/api.md, "Quotas").
   */
  private async routeEvent(msg: Extract<WorkMessage, { kind: 'event' }>): Promise<void> {
    const router = this.deps.router ?? noBindings;
    const scope = this.deps.store.forProject(msg.projectId);
    const targets: RouteTarget[] = await router.route(msg.projectId, msg.event);
    const seen = new Set<string>();
    const toRun: string[] = [];
    for (const target of targets) {
      if (seen.has(target.functionName)) continue;
      seen.add(target.functionName);
      const fn = await scope.functions.get(target.functionName);
      if (!fn) {
        await router.fired?.(msg.projectId, target, msg.event, `function ${target.functionName} does not exist`);
        this.deps.metrics?.triggerFired('no_function');
        continue;
      }
      const admission = await this.deps.store.ledger.createWithinQuota(newExecutionOf(fn, msg.event, requestIdOf(msg)), this.deps.config.quotas.executionsPerMinute);
      if (admission.overQuota) {
        const { recent, limit } = admission.overQuota;
        const reason = `event ${msg.event.id} dropped: quota exceeded: executions_per_minute (${recent} executions in the last minute, at most ${limit})`;
        this.deps.logger.warn({ projectId: msg.projectId, fn: fn.name, eventId: msg.event.id }, 'executions-per-minute quota: event dropped');
        await router.fired?.(msg.projectId, target, msg.event, reason);
        this.deps.metrics?.triggerFired('over_quota');
        continue;
      }
      const { execution, created } = admission;
      if (created) {
        await router.fired?.(msg.projectId, target, msg.event);
        this.deps.metrics?.triggerFired('fired');
      }
      if (!isFinal(execution.status)) toRun.push(execution.id);
    }
    // Each execution gets its own work message, so that several workers share a fan-out.
    for (const id of toRun) await this.deps.queue.publish({ kind: 'run', executionId: id, projectId: msg.projectId });
    await this.deps.store.ledger.markPublished(toRun);
  }

  /**
   * A run message runs one execution, not necessarily its own: the queued execution of the
   * project with the fewest running (see candidates). Every queued execution has one message,
   * so every one runs; a project's backlog only ever waits behind its own share.
   */
  private async runExecution(messageExecutionId: string): Promise<void> {
    const { store, config } = this.deps;
    for (const { execution, version, hasDestinations } of await this.candidates(messageExecutionId)) {
      const admission = await this.gate.admit(execution, () => store.ledger.claim(execution.id, this.workerId, config.execution.leaseMs));
      if (admission === 'deferred') return this.deferForConcurrency(execution);
      if (admission === 'claimed') return this.runClaimed(execution, { version, hasDestinations });
      // lost: another worker holds it; try the next candidate
    }
  }

  /**
   * What this message may run, in order: an execution taken over from a dead worker runs
   * itself; otherwise the oldest queued execution of the fairest project (fewest running,
   * then longest waiting), then the message's own if it is still queued — a lost race for
   * the fair one must not leave the own execution without a message. The own execution comes
   * with its version (read together); another one's is read once it is claimed.
   */
  private async candidates(messageExecutionId: string): Promise<Array<{ execution: Execution; version?: FunctionVersion; hasDestinations?: boolean }>> {
    const { ledger } = this.deps.store;
    const read = await ledger.getForRun(messageExecutionId);
    const own = read && { execution: read.execution, version: read.version ?? undefined, hasDestinations: read.hasDestinations };
    if (own && !isFinal(own.execution.status) && own.execution.status !== 'queued') return [own];
    const ownQueued = own?.execution.status === 'queued' ? own : null;
    const project = fairestOf(await this.backlog(), this.lastServed);
    if (!project) return ownQueued ? [ownQueued] : [];
    if (ownQueued && project === ownQueued.execution.projectId) return [ownQueued];
    const fair = await ledger.oldestQueued(project);
    return [...(fair ? [{ execution: fair }] : []), ...(ownQueued ? [ownQueued] : [])];
  }

  /** The backlog as read at most BACKLOG_VIEW_MS ago (concurrent messages share one read). */
  private backlog(): Promise<ProjectBacklog[]> {
    const now = Date.now();
    if (!this.backlogView || now - this.backlogView.readAt >= BACKLOG_VIEW_MS) {
      const read = this.deps.store.ledger.backlog();
      this.backlogView = { readAt: now, read };
      read.catch(() => {
        if (this.backlogView?.read === read) this.backlogView = null;
      });
    }
    return this.backlogView.read;
  }

  /**
   * Runs a claimed execution to its recorded outcome. `known.version`: the version, already
   * read; `known.hasDestinations`: whether its function had outcome destinations when read;
   * `known.exact`: `execution` is the row as stored (created claimed, not read back after a
   * claim), so its final record is known without a read and handed to sync waiters.
   */
  private async runClaimed(execution: Execution, known: { version?: FunctionVersion; hasDestinations?: boolean; exact?: boolean } = {}): Promise<void> {
    const { store, config, logger } = this.deps;
    const executionId = execution.id;
    this.lastServed.set(execution.projectId, ++this.served);

    const log = logger.child({ executionId, fn: execution.functionName, ...(execution.requestId ? { requestId: execution.requestId } : {}) });
    const heartbeat = setInterval(() => {
      store.ledger.heartbeat(executionId, this.workerId, config.execution.leaseMs).catch((err: unknown) => log.warn({ err }, 'lease heartbeat failed'));
    }, Math.max(500, config.execution.leaseMs / 3));
    const abort = new AbortController();
    this.aborts.add(abort);
    const stages: RunStages = { claimedAt: Date.now(), running: null };
    let final: ExecutionSummary | undefined;
    try {
      const outcome = await this.provisionAndRun(execution, abort.signal, log, stages, known.version);
      if (outcome) {
        this.deps.metrics?.executionFinished(execution, stages.claimedAt, stages.running, outcome, this.deps.provider.name);
        const recorded = await store.ledger.finish(executionId, this.workerId, outcome, stages.running ?? undefined);
        if (!recorded) log.warn('outcome not recorded: the lease was lost to another worker');
        else if (known.exact && stages.running) final = finalRecordOf(execution, stages.running, recorded);
        const fields = { status: outcome.status, projectId: execution.projectId, durationMs: outcome.finishedAt - outcome.startedAt, errorKind: outcome.failure?.kind };
        if (outcome.status === 'succeeded') log.info(fields, 'execution finished');
        else log.warn(fields, 'execution finished');
      }
    } catch (err) {
      // No outcome: hand the execution back so that the retried message (here or elsewhere) can claim it.
      await store.ledger.unclaim(executionId, this.workerId).catch((e: unknown) => log.warn({ err: e }, 'unclaim failed; the lease will expire'));
      throw err;
    } finally {
      clearInterval(heartbeat);
      this.aborts.delete(abort);
      this.deps.events.finished(executionId, final, execution.awaited);
      this.deps.outcomes?.afterFinal(executionId, { projectId: execution.projectId, functionId: execution.functionId, hasDestinations: known.hasDestinations });
    }
  }

  /** Returns the outcome to record, or null when it was already recorded (failure paths). */
  private async provisionAndRun(execution: Execution, signal: AbortSignal, log: Logger, stages: RunStages, knownVersion?: FunctionVersion): Promise<RunOutcome | null> {
    const { store, provider, codeCache, config } = this.deps;
    const version = knownVersion ?? (await store.forProject(execution.projectId).functions.version(execution.functionId, execution.functionVersion));
    if (!version) {
      await store.ledger.fail(execution.id, this.workerId, { kind: 'runner_error', message: `function ${execution.functionName} version ${execution.functionVersion} no longer exists` });
      return null;
    }
    const runtime = findRuntime(version.runtime);
    if (!runtime) {
      await store.ledger.fail(execution.id, this.workerId, { kind: 'runner_error', message: `runtime ${version.runtime} is not available on this service` });
      return null;
    }
    const params = provisioningParams(execution, version, runtime);

    let env: Environment;
    try {
      env = await provider.acquire(params, signal);
    } catch (err) {
      if (err instanceof ProvisioningError && !err.retryable) {
        await store.ledger.fail(execution.id, this.workerId, { kind: 'runner_error', message: `provisioning failed (${err.code}): ${err.message}` });
        return null;
      }
      throw err; // retryable: the work message is retried with backoff
    }
    let marking: NodeJS.Timeout | undefined;
    const marked: { write: Promise<void> | null } = { write: null };
    try {
      // A warm environment holds its code already: no need to look for the tree.
      const codeDir = env.holdsCode === version.code.sha256 ? codeCache.dirOf(version.code.sha256) : await codeCache.ensure(version.code);
      // The running mark is written once the run has lasted RUNNING_MARK_DELAY_MS; a shorter
      // run records it with its outcome (one statement less on the warm path).
      const running: RunningMark = { at: Date.now(), placement: JSON.parse(JSON.stringify(env.placement)) as RunningMark['placement'] };
      stages.running = running;
      marking = setTimeout(() => {
        marked.write = store.ledger.markRunning(execution.id, this.workerId, running.placement, running.at).catch((err: unknown) => log.warn({ err }, 'running mark failed; it is recorded with the outcome'));
      }, RUNNING_MARK_DELAY_MS);
      const assignment = buildAssignment(execution, version, codeDir, config.execution.logLimitBytes);
      // Output reaches the store while the function runs (GET …/logs?after=); the outcome's logs replace it.
      const live = new LiveLog(async (text) => {
        await store.ledger.appendLogs(execution.id, this.workerId, text, config.execution.logLimitBytes);
      });
      try {
        return await env.run(assignment, signal, (part) => live.push(part));
      } finally {
        await live.close();
      }
    } finally {
      clearTimeout(marking);
      if (marked.write) await marked.write;
      await provider.release(env).catch((err: unknown) => log.error({ err }, 'release failed'));
    }
  }

  /** The project is at its concurrency quota: the execution stays queued and its work goes back on the queue. */
  private async deferForConcurrency(execution: Execution): Promise<void> {
    await this.deps.store.ledger.touch(execution.id); // not stalled: the sweeper leaves it alone
    await this.deps.queue.publish({ kind: 'run', executionId: execution.id, projectId: execution.projectId });
  }

  private async markDeadLettered(msg: WorkMessage, reason: string): Promise<void> {
    if (msg.kind !== 'run') return;
    await this.deps.store.ledger.fail(msg.executionId, null, { kind: 'runner_error', message: `gave up after repeated failures: ${reason}` }).catch(() => undefined);
    this.deps.events.finished(msg.executionId);
    this.deps.outcomes?.afterFinal(msg.executionId);
  }
}

/**
 * The project whose turn it is: fewest executions running, then the one this worker served
 * least recently (never: first), then the one waiting longest. Null when nothing is queued.
 */
export function fairestOf(backlog: readonly ProjectBacklog[], lastServed: ReadonlyMap<string, number>): string | null {
  let best: ProjectBacklog | null = null;
  const turn = (b: ProjectBacklog) => lastServed.get(b.projectId) ?? 0;
  for (const b of backlog) {
    if (!best || b.active < best.active || (b.active === best.active && (turn(b) < turn(best) || (turn(b) === turn(best) && b.oldestQueuedAt < best.oldestQueuedAt)))) best = b;
  }
  return best?.projectId ?? null;
}


/** The request id an event message carries, if it is one (the queue is not trusted to hold only well-formed ids). */
function requestIdOf(msg: Extract<WorkMessage, { kind: 'event' }>): string | null {
  return typeof msg.requestId === 'string' && REQUEST_ID.test(msg.requestId) ? msg.requestId : null;
}

/** Claim → running → outcome times of one run, and the running mark (see provisionAndRun). */
interface RunStages {
  claimedAt: number;
  running: RunningMark | null;
}

/** How long a run goes before its running mark is written on its own (a shorter one records it with the outcome). */
const RUNNING_MARK_DELAY_MS = 25;

/** The execution as finish left it, from the row as created (claimed) plus what the run wrote. */
function finalRecordOf(execution: Execution, running: RunningMark, recorded: FinishedRecord): ExecutionSummary {
  const { event: _event, ...summary } = execution;
  return { ...summary, ...recorded, placement: running.placement, runningAt: running.at };
}

function buildAssignment(execution: Execution, version: FunctionVersion, codeDir: string, logLimitBytes: number): Assignment {
  const event: CloudEvent = execution.event;
  return {
    executionId: execution.id,
    handler: version.handler,
    code: { dir: codeDir, sha256: version.code.sha256, format: version.code.format },
    event,
    env: { ...version.env, ...contextEnv(execution, version) },
    context: {
      functionName: execution.functionName,
      functionVersion: version.version,
      memoryMb: version.memoryMb,
      timeoutS: version.timeoutS,
      deadline: Date.now() + version.timeoutS * 1000,
    },
    logLimitBytes,
  };
}
