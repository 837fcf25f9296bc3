/**
 * The `schedule` kind's clock. Every service process that runs listeners runs one; a tick fires
 * exactly once however many run, because firing starts with inserting the (trigger, tick) row
 * (TriggerCatalog.claimTick) and only the process whose insert succeeds publishes the event.
 *
 * A tick more than `lateToleranceMs` late counts as missed (the service was down, or stopped):
 * `catch_up: skip` drops missed ticks, `run-once` fires the latest of them once. Missed ticks
 * are counted from the last fired tick, or from when the trigger was enabled or changed.
 * If the event cannot be made durable the tick's row is given back so a later pass retries it.
 */
import type { Logger } from 'pino';
import type { Cron } from 'croner';
import type { Ingest } from '../listener/ingest.js';
import type { EventSource } from '../listener/event-source.js';
import type { Store } from '../store/store.js';
import { TriggerCatalog, type Trigger } from '../store/trigger-store.js';
import type { CloudEvent } from '../runner/protocol.js';
import { newCloudEvent } from '../listener/cloudevents.js';
import { TRIGGER_ATTR } from './event-attrs.js';
import { cronOf, shortestGapS, type ScheduleConfig } from './kind-schedule.js';

export interface SchedulerOptions {
  /** How often due ticks are looked for, ms. Default 250. */
  intervalMs?: number;
  /** How often the set of schedule triggers is re-read from the store, ms. Default 2000. */
  refreshMs?: number;
  /** A tick later than this is "missed" (catch-up policy), ms. Default 5000. */
  lateToleranceMs?: number;
  /** Tick rows older than this are pruned, ms. Default 1 h. */
  keepTicksMs?: number;
  /** A schedule firing more often than this (s) does not fire at all (made before the operator's limit). Default 60. */
  minIntervalS?: number;
}

interface State {
  trigger: Trigger;
  version: string;
  cron: Cron;
  next: number | null;
}

export class Scheduler implements EventSource {
  readonly name = 'schedules';
  private readonly catalog: TriggerCatalog;
  private readonly states = new Map<string, State>();
  private readonly opts: Required<SchedulerOptions>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastRefresh = 0;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly ingest: Ingest,
    private readonly logger: Logger,
    private readonly workerId: string,
    options: SchedulerOptions = {},
  ) {
    this.catalog = new TriggerCatalog(store.db);
    this.opts = { intervalMs: 250, refreshMs: 2000, lateToleranceMs: 5000, keepTicksMs: 3_600_000, minIntervalS: 60, ...options };
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .catch((err: unknown) => this.logger.warn({ err }, 'scheduler pass failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(loop, this.opts.intervalMs);
        });
    };
    loop();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    const now = Date.now();
    if (now - this.lastRefresh >= this.opts.refreshMs) {
      await this.refresh();
      this.lastRefresh = now;
    }
    for (const state of this.states.values()) {
      if (this.stopped) return;
      await this.advance(state, Date.now());
    }
  }

  private async refresh(): Promise<void> {
    const current = await this.catalog.enabledOfKind('schedule');
    const seen = new Set<string>();
    for (const { trigger } of current) {
      seen.add(trigger.id);
      const version = `${trigger.updatedAt}:${trigger.enabledAt}`;
      const known = this.states.get(trigger.id);
      if (known && known.version === version) {
        known.trigger = trigger;
        continue;
      }
      try {
        const cron = cronOf(trigger.config as unknown as ScheduleConfig);
        if (shortestGapS(cron) < this.opts.minIntervalS) {
          this.states.delete(trigger.id);
          const error = `not firing: the schedule is faster than once every ${this.opts.minIntervalS} s, which this service allows`;
          if (trigger.lastError !== error) await this.store.forProject(trigger.projectId).triggers.recordError(trigger.id, error);
          continue;
        }
        const anchor = Math.max((await this.catalog.lastTick(trigger.id)) ?? 0, trigger.enabledAt, trigger.updatedAt);
        this.states.set(trigger.id, { trigger, version, cron, next: cron.nextRun(new Date(anchor))?.getTime() ?? null });
      } catch (err) {
        this.logger.warn({ err, trigger: trigger.id }, 'schedule trigger has an unusable cron');
        this.states.delete(trigger.id);
      }
    }
    for (const id of this.states.keys()) if (!seen.has(id)) this.states.delete(id);
  }

  private async advance(state: State, now: number): Promise<void> {
    const tolerance = this.opts.lateToleranceMs;
    let missed: number | null = null;
    const due: number[] = [];
    while (state.next !== null && state.next <= now) {
      if (now - state.next > tolerance) {
        // Jump over any number of missed ticks at once (a per-second cron after a day down).
        const latest = state.cron.previousRuns(1, new Date(now - tolerance))[0]?.getTime() ?? state.next;
        missed = Math.max(latest, state.next);
        state.next = state.cron.nextRun(new Date(missed))?.getTime() ?? null;
        continue;
      }
      due.push(state.next);
      state.next = state.cron.nextRun(new Date(state.next))?.getTime() ?? null;
    }
    const config = state.trigger.config as unknown as ScheduleConfig;
    if (missed !== null && config.catch_up === 'run-once') await this.fire(state.trigger, missed, true);
    for (const tick of due) await this.fire(state.trigger, tick, false);
  }

  private async fire(trigger: Trigger, tick: number, catchUp: boolean): Promise<void> {
    if (!(await this.catalog.claimTick(trigger.id, tick, this.workerId))) return;
    try {
      await this.ingest.events(trigger.projectId, [scheduleEvent(trigger, tick, catchUp)], 'later');
      await this.catalog.pruneTicks(trigger.id, tick - this.opts.keepTicksMs);
    } catch (err) {
      this.logger.warn({ err, trigger: trigger.id, tick }, 'could not publish a schedule tick; giving the tick back');
      await this.catalog.releaseTick(trigger.id, tick, this.workerId).catch(() => undefined);
      await this.store.forProject(trigger.projectId).triggers.recordError(trigger.id, `tick ${new Date(tick).toISOString()} not published: ${(err as Error).message}`).catch(() => undefined);
    }
  }
}

export function scheduleEvent(trigger: Trigger, tick: number, catchUp: boolean): CloudEvent {
  const config = trigger.config as unknown as ScheduleConfig;
  return newCloudEvent({
    id: `schedule-${trigger.id}-${tick}`,
    source: `fnstack:/triggers/${trigger.name}`,
    type: 'fnstack.schedule',
    subject: trigger.name,
    time: new Date(tick).toISOString(),
    data: config.data ?? {},
    extensions: { [TRIGGER_ATTR]: trigger.id, ...(catchUp ? { fnstackcatchup: true } : {}) },
  });
}
