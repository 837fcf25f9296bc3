/**
 * A worker's execution slots (config.execution.concurrency), shared by the work queue's
 * deliveries and the direct lane of sync invokes. A slot that comes free goes to a waiting
 * delivery first: the queue carries the fair order across projects, and the direct lane must
 * never jump it. A direct waiter gives up after `waitMs` (its invoke then takes the queue).
 */
export class Slots {
  private free: number;
  private readonly deliveries: Array<() => void> = [];
  private readonly direct: Array<() => void> = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Resolves once a slot is this delivery's. */
  take(): Promise<void> {
    if (this.free > 0 && this.deliveries.length === 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.deliveries.push(resolve));
  }

  /**
   * A slot for the direct lane: at once when one is free and no delivery waits; else after
   * waiting behind the deliveries at most `waitMs`, and only while fewer than `maxWaiting`
   * direct callers wait already. False: no slot.
   */
  takeDirect(waitMs: number, maxWaiting: number): Promise<boolean> {
    if (this.free > 0 && this.deliveries.length === 0 && this.direct.length === 0) {
      this.free--;
      return Promise.resolve(true);
    }
    if (this.direct.length >= maxWaiting || waitMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const granted = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const i = this.direct.indexOf(granted);
        if (i >= 0) this.direct.splice(i, 1);
        resolve(false);
      }, waitMs);
      this.direct.push(granted);
    });
  }

  give(): void {
    const next = this.deliveries.shift() ?? this.direct.shift();
    if (next) next();
    else this.free++;
  }
}
