/**
 * The quota checks the API makes before it accepts a change or an invocation. Each failure
 * is a 429 `quota_exceeded` whose `field` names the quota and whose message gives the limit
 * and the usage. Concurrency is not checked here: executions over that quota wait in the
 * queue (see concurrency-gate.ts).
 *
 * The checks read the usage and then act, so concurrent requests may overshoot a limit by
 * the number of requests racing; quotas are a fairness tool, not a billing meter. The
 * executions-per-minute quota is different: it is enforced where executions are created
 * (ExecutionLedger.createWithinQuota, exact); `beforeExecutions` only refuses early, at the
 * HTTP doors, a request that would take the project past it (docs/api.md, "Quotas").
 */
import { ApiError } from '../errors.js';
import type { QuotaLimits } from '../config.js';
import type { ProjectStore } from '../store/store.js';
import type { CodeRef } from '../model.js';
import type { EventRouter } from '../orchestrator/event-router.js';
import type { CloudEvent } from '../runner/protocol.js';

export function quotaExceeded(field: string, message: string): ApiError {
  return new ApiError('quota_exceeded', `quota exceeded: ${message}`, field);
}

export class QuotaGuard {
  constructor(readonly defaults: Readonly<QuotaLimits>) {}

  limits(scope: ProjectStore): Promise<QuotaLimits> {
    return scope.quotas.limits(this.defaults);
  }

  /** One more function, of this size. */
  async beforeCreate(scope: ProjectStore, memoryMb: number): Promise<void> {
    const limits = await this.limits(scope);
    const count = await scope.quotas.functionCount();
    if (count >= limits.functions) throw quotaExceeded('functions', `the project has ${count} of at most ${limits.functions} functions`);
    this.checkMemory(limits, memoryMb);
  }

  /** A new version declaring this much memory. */
  async beforeUpdate(scope: ProjectStore, memoryMb: number): Promise<void> {
    this.checkMemory(await this.limits(scope), memoryMb);
  }

  /** A code package about to be kept for one of the project's functions. */
  async beforeCode(scope: ProjectStore, code: Pick<CodeRef, 'sha256' | 'sizeBytes'>): Promise<void> {
    if (await scope.quotas.usesCode(code.sha256)) return; // already counted
    const limits = await this.limits(scope);
    const used = await scope.quotas.codeBytes();
    if (used + code.sizeBytes > limits.codeBytes) {
      throw quotaExceeded('code_bytes', `the project's code would take ${used + code.sizeBytes} bytes, more than its ${limits.codeBytes} (in use: ${used}; this package: ${code.sizeBytes})`);
    }
  }

  /** `count` more executions in the rolling minute (a request's events times the functions each one runs). */
  async beforeExecutions(scope: ProjectStore, count: number, now = Date.now()): Promise<void> {
    const limits = await this.limits(scope);
    const recent = await scope.quotas.executionsInLastMinute(now);
    if (recent + count > limits.executionsPerMinute) throw executionsQuotaExceeded(recent, limits.executionsPerMinute, count);
  }

  /** Events about to go on the work queue: as many executions as functions each one is routed to. */
  async beforeEvents(scope: ProjectStore, router: EventRouter, events: readonly CloudEvent[]): Promise<void> {
    let wanted = 0;
    for (const event of events) wanted += new Set((await router.route(scope.projectId, event)).map((t) => t.functionName)).size;
    if (wanted > 0) await this.beforeExecutions(scope, wanted);
  }

  private checkMemory(limits: QuotaLimits, memoryMb: number): void {
    if (memoryMb > limits.memoryMb) throw quotaExceeded('memory_mb', `memory_mb ${memoryMb} is more than the project's ${limits.memoryMb} MiB per function`);
  }
}

/** The executions-per-minute refusal; `wanted` is how many executions the request would have started. */
export function executionsQuotaExceeded(recent: number, limit: number, wanted = 1): ApiError {
  const asked = wanted === 1 ? '' : ` and this request would start ${wanted} more`;
  return quotaExceeded('executions_per_minute', `the project started ${recent} executions in the last minute${asked}; at most ${limit} are allowed; try again shortly`);
}
