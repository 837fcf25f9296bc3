/**
 * In-process notice that an execution reached a final status, so a sync invoke served by
 * the same process answers at once; waiters in other processes fall back to polling.
 */
import { EventEmitter } from 'node:events';
import type { Execution } from '../model.js';
import { isFinal } from '../model.js';

export class ExecutionEvents {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }

  finished(executionId: string): void {
    this.emitter.emit(executionId);
  }

  /**
   * Resolves with the execution once final, or with its latest state when `timeoutMs` passes.
   * `load` reads it from the store (scoped to the caller's project).
   */
  async waitFinal<E extends Pick<Execution, 'status'>>(executionId: string, timeoutMs: number, load: () => Promise<E | null>, pollMs = 250): Promise<E | null> {
    const deadline = Date.now() + timeoutMs;
    let wake: () => void = () => undefined;
    const onFinish = () => wake();
    this.emitter.on(executionId, onFinish);
    try {
      for (;;) {
        const e = await load();
        if (!e || isFinal(e.status)) return e;
        const left = deadline - Date.now();
        if (left <= 0) return e;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(pollMs, left));
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    } finally {
      this.emitter.off(executionId, onFinish);
    }
  }
}
