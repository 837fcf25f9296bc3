/**
 * One acquired server, owned by one execution. `run` hands the assignment to the runner in
 * the server through the store (runner-session row), whichever service process the runner
 * reaches, and waits for the outcome it posts back. Phase deadlines, each counted from the
 * row's own timestamps:
 *
 *   assigned → picked    pickupTimeoutMs  (the runner long-polls: normally < 1 s)
 *   picked   → started   codeTimeoutMs    (the runner downloads and unpacks the code)
 *   started  → outcome   timeoutS + reportGraceMs
 *
 * A phase that runs out (or a server that vanishes or fails) ends the run with the
 * server's console log as the logs: kind `timeout` once the function had started,
 * `runner_error` before.
 */
import type { ComputeClient } from '../../openstack/index.js';
import type { RunnerSession, RunnerSessionStore } from '../../store/runner-session-store.js';
import { initBoundMs, type Assignment, type FailureInfo, type RunOutcome } from '../../runner/protocol.js';
import type { Environment, Placement } from '../provider.js';
import type { BootedServer } from './server-factory.js';
import { runnerSessionChanges } from '../../store/row-changes.js';

export interface RunTimings {
  pickupTimeoutMs: number;
  codeTimeoutMs: number;
  reportGraceMs: number;
  /** How often the row is read, ms. */
  pollMs: number;
}

export const DEFAULT_TIMINGS: RunTimings = { pickupTimeoutMs: 30_000, codeTimeoutMs: 120_000, reportGraceMs: 15_000, pollMs: 100 };

export class OpenStackEnvironment implements Environment {
  readonly id: string;
  private ran = false;
  released = false;

  constructor(
    readonly server: BootedServer,
    readonly placement: Placement,
    private readonly deps: { compute: ComputeClient; sessions: RunnerSessionStore; serviceUrl: string; timings: RunTimings },
  ) {
    this.id = `openstack-${server.serverId}`;
  }

  async run(assignment: Assignment, signal?: AbortSignal): Promise<RunOutcome> {
    const startedAt = Date.now();
    const fail = (failure: FailureInfo, logs = '', status: RunOutcome['status'] = 'failed'): RunOutcome => ({
      status,
      failure,
      logs: logs.length > assignment.logLimitBytes ? logs.slice(-assignment.logLimitBytes) : logs,
      logsTruncated: logs.length > assignment.logLimitBytes,
      startedAt,
      finishedAt: Date.now(),
    });
    if (this.ran || this.released) return fail({ kind: 'runner_error', message: 'this server has already been used' });
    this.ran = true;
    const { sessions, timings } = this.deps;
    const id = this.server.sessionId;
    // The runner fetches the code from the service; the local path means nothing there.
    const remote: Assignment = { ...assignment, code: { sha256: assignment.code.sha256, format: assignment.code.format, url: `${this.deps.serviceUrl}/v1/runner/code` } };
    await sessions.assign(id, remote);
    const assignedAt = Date.now();

    let lastServerCheck = Date.now();
    for (;;) {
      if (signal?.aborted) return fail({ kind: 'runner_error', message: `the run was aborted: ${String(signal.reason ?? '')}` });
      // Woken at once when this process records the runner's news (when one process serves
      // both sides); the poll finds what another process recorded.
      const watch = runnerSessionChanges.watch(id);
      try {
        const s = await sessions.get(id);
        if (!s) return fail({ kind: 'runner_error', message: `the runner session of server ${this.server.serverId} is gone` });
        if (s.outcome) return s.outcome;
        const overdue = phaseOverdue(s, assignedAt, assignment.context.timeoutS, timings);
        if (overdue) {
          const console = await this.consoleLog();
          return overdue.kind === 'timeout' ? fail(overdue, console, 'timed_out') : fail(overdue, console);
        }
        if (Date.now() - lastServerCheck > 5000) {
          lastServerCheck = Date.now();
          const server = await this.deps.compute.getServer(this.server.serverId).catch(() => undefined);
          if (server === null || server?.status === 'ERROR') {
            const what = server === null ? 'disappeared' : `went to ERROR${server.fault ? `: ${server.fault.message}` : ''}`;
            return fail({ kind: 'runner_error', message: `server ${this.server.serverId} ${what} during the run` }, server ? await this.consoleLog() : '');
          }
        }
        await watch.wait(timings.pollMs, signal);
      } finally {
        watch.stop();
      }
    }
  }

  /** The server's console (the fallback channel for logs), marked as such; '' when Nova has none. */
  private async consoleLog(): Promise<string> {
    try {
      const text = await this.deps.compute.getConsoleOutput(this.server.serverId, 500);
      return `[fnstack: the runner did not report; console log of server ${this.server.serverId} follows]\n${text}${text.endsWith('\n') ? '' : '\n'}`;
    } catch (err) {
      return `[fnstack: the runner did not report, and the console log could not be read: ${(err as Error).message}]\n`;
    }
  }
}

/** Which phase deadline has passed, if any (pure). */
export function phaseOverdue(s: Pick<RunnerSession, 'state' | 'pickedAt' | 'startedAt'>, assignedAt: number, timeoutS: number, t: RunTimings, now = Date.now()): FailureInfo | null {
  if (s.state === 'assigned' && now > assignedAt + t.pickupTimeoutMs) {
    return { kind: 'runner_error', message: `the runner did not pick up its assignment within ${t.pickupTimeoutMs / 1000} s` };
  }
  if (s.state === 'picked' && s.pickedAt !== null && now > s.pickedAt + t.codeTimeoutMs) {
    return { kind: 'runner_error', message: `the runner did not start the function within ${t.codeTimeoutMs / 1000} s of picking up its assignment` };
  }
  // The runner bounds loading the module separately (initBoundMs), then the function's timeout.
  if (s.state === 'started' && s.startedAt !== null && now > s.startedAt + initBoundMs(timeoutS) + timeoutS * 1000 + t.reportGraceMs) {
    return { kind: 'timeout', message: `the runner did not report within the function's timeout of ${timeoutS} s (+${initBoundMs(timeoutS) / 1000} s to load the module, +${t.reportGraceMs / 1000} s grace)` };
  }
  return null;
}
