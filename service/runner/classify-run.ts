/**
 * Decides a run's final word from what the supervisor observed (pure). The runner's own
 * report wins when there is one; otherwise the way the process ended says what happened.
 */
import { initBoundMs, type FailureInfo, type RunOutcome, type RunnerMessage } from './protocol.js';

export interface Observation {
  /** The executor's `result` or `failure`, if one arrived. */
  report: Extract<RunnerMessage, { type: 'result' | 'failure' }> | null;
  /** Whether the executor said `started` (if not, no function code has run). */
  started: boolean;
  exitCode: number | null;
  signal: string | null;
  /** The process could not be started at all. */
  spawnError: string | null;
  /** The executor's channel broke the protocol (e.g. an oversized message). */
  protocolError: FailureInfo | null;
  timedOut: boolean;
  /** The deadline that passed was the init bound: the module was still loading. */
  initTimedOut?: boolean;
  /** The executor's `loaded`: how long loading the module took. */
  initMs?: number;
  /** The service aborted the run (shutdown); the reason, if any. */
  aborted: string | null;
  /** The sandbox (cgroup) saw an OOM kill, or V8 died for lack of heap. */
  outOfMemory: boolean;
  timeoutS: number;
  memoryMb: number;
  logs: string;
  logsTruncated: boolean;
  peakMemoryBytes: number | undefined;
  startedAt: number;
  finishedAt: number;
}

export function classifyRun(o: Observation): RunOutcome {
  const base: RunOutcome = {
    status: 'failed',
    logs: o.logs,
    logsTruncated: o.logsTruncated,
    startedAt: o.startedAt,
    finishedAt: o.finishedAt,
    exitCode: o.exitCode,
    signal: o.signal,
  };
  const peak = o.peakMemoryBytes ?? (o.report ? o.report.peakRssBytes : undefined);
  if (peak !== undefined) base.peakMemoryBytes = peak;
  if (o.initMs !== undefined) base.initMs = o.initMs;
  const failed = (failure: FailureInfo, status: RunOutcome['status'] = 'failed'): RunOutcome => ({ ...base, status, failure });

  if (o.spawnError) return failed({ kind: 'runner_error', message: `the sandbox could not be started: ${o.spawnError}` });
  if (o.report?.type === 'result') return { ...base, status: 'succeeded', result: o.report.value };
  if (o.report?.type === 'failure') return failed(o.report.failure);
  if (o.protocolError) return failed(o.protocolError);
  if (o.aborted !== null) return failed({ kind: 'runner_error', message: `the run was aborted${o.aborted ? `: ${o.aborted}` : ''}` });
  if (o.timedOut && o.initTimedOut) {
    const bound = initBoundMs(o.timeoutS) / 1000;
    return failed({ kind: 'timeout', message: `the handler's module did not finish loading within ${bound} s (loading has its own bound: the timeout, at least 10 s)` }, 'timed_out');
  }
  if (o.timedOut) return failed({ kind: 'timeout', message: `the function did not finish within its timeout of ${o.timeoutS} s` }, 'timed_out');
  if (o.outOfMemory) return failed({ kind: 'out_of_memory', message: `the function ran out of memory (limit ${o.memoryMb} MB)` });
  const how = o.signal ? `was killed by ${o.signal}` : `exited with code ${o.exitCode}`;
  if (!o.started) return failed({ kind: 'runner_error', message: `the runner ${how} before it started the function (see the logs)` });
  return failed({ kind: 'crashed', message: `the function's process ${how} before it reported a result` });
}
