/**
 * The Prometheus metrics of one service process (prom-client), on a registry of its own (a
 * test process starts several services). Counters and histograms are counted by the process
 * that does the work — a worker counts the executions it ran, the triggers it fired — so
 * each worker is scraped on its operator listener; gauges are read from the store, the queue
 * and the provider when scraped. Labels carry project ids and function names: only
 * operators may read this (docs/operations.md, "Metrics").
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/store.js';
import type { WorkQueue } from '../queue/queue.js';
import { environmentOriginOf, type Placement, type Provider } from '../provisioner/provider.js';
import type { Execution } from '../model.js';
import type { RunOutcome } from '../runner/protocol.js';

/** Seconds: from a cached warm start (ms) to the longest timeout (900 s). */
const TIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export type TriggerFire = 'fired' | 'over_quota' | 'no_function';

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly executions: Counter<'project_id' | 'function' | 'status' | 'error_kind'>;
  private readonly queued: Histogram;
  private readonly provisioning: Histogram<'provider'>;
  private readonly running: Histogram<'status'>;
  private readonly environments: Counter<'provider' | 'origin'>;
  private readonly triggerFires: Counter<'outcome'>;
  private readonly deadLettered: Counter;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'fnstack_' });
    this.executions = new Counter({
      name: 'fnstack_executions_total',
      help: 'Executions this worker carried to a final status, by project, function, status and error kind',
      labelNames: ['project_id', 'function', 'status', 'error_kind'],
      registers,
    });
    this.queued = new Histogram({ name: 'fnstack_execution_queued_seconds', help: 'Time from queued to claimed by a worker', buckets: TIME_BUCKETS, registers });
    this.provisioning = new Histogram({ name: 'fnstack_execution_provisioning_seconds', help: 'Time from claimed to running (the environment is ready)', labelNames: ['provider'], buckets: TIME_BUCKETS, registers });
    this.running = new Histogram({ name: 'fnstack_execution_run_seconds', help: 'Run time of the function, by final status', labelNames: ['status'], buckets: TIME_BUCKETS, registers });
    this.environments = new Counter({
      name: 'fnstack_execution_environments_total',
      help: "Environments this worker's executions ran in, by origin: warm (served the function before, isolation reuse), pre_started (made before the event), new (made on the event's path)",
      labelNames: ['provider', 'origin'],
      registers,
    });
    this.triggerFires = new Counter({ name: 'fnstack_trigger_fires_total', help: 'Events routed by triggers to a function: fired, dropped over the executions-per-minute quota, or naming a missing function', labelNames: ['outcome'], registers });
    this.deadLettered = new Counter({ name: 'fnstack_dead_letters_total', help: 'Work messages this worker gave up on (sent to the dead-letter queue)', registers });
  }

  /** An execution this process ran reached its final status; `running`: when it ran, and in what, if it had an environment. */
  executionFinished(e: Pick<Execution, 'projectId' | 'functionName' | 'queuedAt'>, claimedAt: number, running: { at: number; placement: Placement } | null, outcome: RunOutcome, provider: string): void {
    this.executions.inc({ project_id: e.projectId, function: e.functionName, status: outcome.status, error_kind: outcome.failure?.kind ?? '' });
    this.queued.observe(Math.max(0, claimedAt - e.queuedAt) / 1000);
    if (running !== null) {
      this.provisioning.observe({ provider }, Math.max(0, running.at - claimedAt) / 1000);
      this.running.observe({ status: outcome.status }, Math.max(0, outcome.finishedAt - outcome.startedAt) / 1000);
      this.environments.inc({ provider, origin: environmentOriginOf(running.placement) });
    }
  }

  triggerFired(outcome: TriggerFire): void {
    this.triggerFires.inc({ outcome });
  }

  deadLetter(): void {
    this.deadLettered.inc();
  }

  /**
   * Gauges read at scrape time: the work queue's depth and consumers, executions by
   * non-final status and stored dead letters (the whole service, from the shared store and
   * queue), and the environments this process keeps (its provider).
   */
  observe(sources: { store: Store; queue: WorkQueue; provider: Provider }): this {
    const registers = [this.registry];
    const { store, queue, provider } = sources;
    const queueStats = () => queue.stats().catch(() => null);
    const queueGauges = [
      ['fnstack_queue_depth', 'Messages waiting on the work queue', 'messages'],
      ['fnstack_queue_consumers', 'Consumers of the work queue (workers), in every process', 'consumers'],
    ] as const;
    for (const [name, help, field] of queueGauges) {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const s = await queueStats();
          if (s) this.set(s[field]);
        },
      });
    }
    new Gauge({
      name: 'fnstack_executions_active',
      help: 'Executions not final, by status (the whole service)',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await store.ledger.countByActiveStatus().catch(() => null);
        if (counts) for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'fnstack_dead_letters_stored',
      help: 'Dead letters kept in the store, all projects',
      registers,
      async collect() {
        const n = await store.deadLetterCount().catch(() => null);
        if (n !== null) this.set(n);
      },
    });
    new Gauge({
      name: 'fnstack_environments',
      help: 'Environments this process keeps: warm (serving or idle, isolation reuse) and pre-started (pool)',
      labelNames: ['kind'],
      registers,
      collect() {
        for (const [kind, n] of Object.entries(provider.environmentCounts?.() ?? {})) this.set({ kind }, n);
      },
    });
    return this;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
