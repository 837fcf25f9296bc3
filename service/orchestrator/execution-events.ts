/**
 * Notice that an execution reached a final status, so a sync invoke answers the moment the
 * outcome is recorded: in-process through an emitter, and across processes through a
 * FinishedBus (RabbitMQ: queue/rabbit-finished-bus.ts) when there is one. A notice is a hint;
 * the waiter reads the execution from the store — unless an in-process notice carries the
 * final record itself (the direct lane knows it exactly: it wrote every column). Polling remains only as a safety net
 * (`fallbackPollMs`): slow when notices can arrive, as before (250 ms) when they cannot
 * (an API process beside store-queue workers in other processes).
 */
import { EventEmitter } from 'node:events';
import type { Execution, ExecutionSummary } from '../model.js';
import { isFinal } from '../model.js';

/** Carries "execution X is final" between service processes. */
export interface FinishedBus {
  publish(executionId: string): void;
  /** Calls `onFinished` for every notice, this process's own included. */
  subscribe(onFinished: (executionId: string) => void): void;
  close(): Promise<void>;
}

export interface ExecutionEventsOptions {
  bus?: FinishedBus | null;
  /** How often a waiter reads the store anyway, ms. Default 250. */
  fallbackPollMs?: number;
}

export class ExecutionEvents {
  private readonly emitter = new EventEmitter();
  private readonly bus: FinishedBus | null;
  readonly fallbackPollMs: number;

  constructor(options: ExecutionEventsOptions = {}) {
    this.emitter.setMaxListeners(0);
    this.bus = options.bus ?? null;
    this.fallbackPollMs = options.fallbackPollMs ?? 250;
    this.bus?.subscribe((id) => this.emitter.emit(id));
  }

  /**
   * `final`: the execution as now stored, when the caller knows it exactly (spares waiters a
   * read). `announce`: tell the other processes too (a sync invoke waits for it: Execution.awaited);
   * a waiter in another process that is not told learns of the end by polling.
   */
  finished(executionId: string, final?: ExecutionSummary, announce = true): void {
    this.emitter.emit(executionId, final);
    if (announce) this.bus?.publish(executionId);
  }

  /**
   * Resolves with the execution once final, or with its latest state when `timeoutMs` passes.
   * `load` reads it from the store (scoped to the caller's project); `known`, the state the
   * caller holds already (e.g. just created, queued), spares the first read.
   */
  async waitFinal<E extends Pick<Execution, 'status'>>(
    executionId: string,
    timeoutMs: number,
    load: () => Promise<E | null>,
    known?: E,
    /** Takes a final record handed with a notice in place of a read, or refuses it (null): load's scope must hold. */
    accept?: (final: ExecutionSummary) => E | null,
  ): Promise<E | null> {
    const deadline = Date.now() + timeoutMs;
    let notified = false;
    let handed: E | null = null;
    let wake: () => void = () => undefined;
    const onFinish = (final?: ExecutionSummary) => {
      if (final && accept && isFinal(final.status)) handed = accept(final);
      notified = true;
      wake();
    };
    this.emitter.on(executionId, onFinish);
    try {
      let e: E | null | undefined = known && !isFinal(known.status) ? known : undefined;
      for (;;) {
        if (handed) return handed;
        if (e === undefined || notified) {
          notified = false;
          e = await load();
        }
        if (!e || isFinal(e.status)) return e;
        const left = deadline - Date.now();
        if (left <= 0) return e;
        if (notified) continue; // it finished while the store was being read
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(this.fallbackPollMs, left));
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        e = undefined; // woken or the safety poll: read again
      }
    } finally {
      this.emitter.off(executionId, onFinish);
    }
  }
}
