/**
 * The service ↔ runner protocol: one enumerated set of messages used by both sides.
 * Transport-neutral: newline-delimited JSON over an inherited pipe (fd 3) for the local
 * provider, HTTP bodies for a runner inside a Nova server. This file must stay
 * dependency-free (node builtins only): it is shipped into VMs with the runner.
 */

/** A CloudEvents 1.0 envelope. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  data?: unknown;
  [extension: string]: unknown;
}

/** Everything the runner needs to run one execution. */
export interface Assignment {
  executionId: string;
  /** `FILE.EXPORT` relative to the code root, e.g. `index.handler` or `lib/main.run`. */
  handler: string;
  /** Absolute directory holding the unpacked code (local), or a URL to fetch the package from (VM). */
  code: { dir?: string; url?: string; sha256: string; format?: 'js' | 'mjs' | 'cjs' | 'zip' | 'tar.gz' };
  event: CloudEvent;
  /** The function's own environment variables plus the documented FNSTACK_* context. */
  env: Record<string, string>;
  context: {
    functionName: string;
    functionVersion: number;
    memoryMb: number;
    timeoutS: number;
    /** Epoch ms after which the run is killed. */
    deadline: number;
  };
  /** Cap on captured stdout+stderr, bytes; beyond it logs are truncated and marked. */
  logLimitBytes: number;
}

export type FailureKind =
  | 'load_error' // the handler could not be loaded (missing file/export, syntax error)
  | 'handler_error' // the handler threw or rejected
  | 'result_not_serializable' // the handler's result is not JSON-serializable
  | 'out_of_memory'
  | 'timeout'
  | 'crashed' // the process died without reporting (signal, process.exit, …)
  | 'runner_error'; // the environment failed (not the function's fault)

export interface FailureInfo {
  kind: FailureKind;
  message: string;
  stack?: string;
}

/** Which of Node's loaders loads a handler's file: the ES-module one or the CommonJS one. */
export type ModuleFormat = 'module' | 'commonjs';

/**
 * The warm executor's argument naming the loaders it walks before `ready`:
 * `warm-executor.cjs --warm-up=commonjs,module`, or `--warm-up=` for none.
 */
export const WARM_UP_ARG = '--warm-up=';

/**
 * Messages the runner (executor) sends back. Locally every one carries the run's `token`
 * (from the assignment message): the function shares the executor's process and can write
 * to its channel too, so the supervisor ignores any message without it.
 */
export type RunnerMessage =
  | { type: 'started'; pid: number; nodeVersion: string }
  /**
   * The handler's module is loaded (its top-level code ran) after `initMs`, measured by the
   * executor (the supervisor's own clock may see `started` late when its process is busy).
   * The function's timeout counts from here; loading had its own bound (`initBoundMs`).
   * `format` (warm executor): which of Node's loaders loaded it; the pool warms that one
   * in the sandboxes it starts next (service/provisioner/local/loader-demand.ts).
   */
  | { type: 'loaded'; initMs: number; format?: ModuleFormat }
  | { type: 'result'; value: unknown; peakRssBytes: number; durationMs: number }
  /** `last` (warm executor): the process ends after this report and serves no other event. */
  | { type: 'failure'; failure: FailureInfo; peakRssBytes: number; durationMs: number; last?: boolean }
  /** VM mode only: log chunks pushed as they come (locally the provider reads stdout/stderr itself). */
  | { type: 'log'; stream: 'stdout' | 'stderr'; chunk: string }
  /**
   * Warm executor only: Node is up and waits for its first assignment. Sent before any
   * function code exists in the process, so it needs no token.
   */
  | { type: 'ready'; pid: number; nodeVersion: string };

/** Sees a run's output while it runs: stdout and stderr bytes in arrival order, within the log cap. */
export type OutputListener = (part: Buffer) => void;

/** Messages the service sends to the runner. `token` is a per-run secret the runner echoes back. */
export type ServiceMessage = { type: 'assignment'; assignment: Assignment; token?: string };

/** A runner message as it travels on a local channel. */
export type SignedRunnerMessage = RunnerMessage & { token?: string };

export type RunStatus = 'succeeded' | 'failed' | 'timed_out';

/** The final word on one run, produced by whoever supervised it. */
export interface RunOutcome {
  status: RunStatus;
  result?: unknown;
  failure?: FailureInfo;
  /** stdout and stderr interleaved in arrival order. */
  logs: string;
  logsTruncated: boolean;
  peakMemoryBytes?: number;
  /** How long loading the handler's module took (absent when the run never got that far). */
  initMs?: number;
  startedAt: number;
  finishedAt: number;
  exitCode?: number | null;
  signal?: string | null;
}

/**
 * Loading the handler's module (its top-level code: requires, connections, …) does not count
 * against the function's timeout; it has a bound of its own: the timeout, but at least 10 s
 * (Lambda gives init 10 s). A run thus lasts at most initBoundMs + timeout_s.
 */
export const MIN_INIT_BOUND_S = 10;
export function initBoundMs(timeoutS: number): number {
  return Math.max(MIN_INIT_BOUND_S, timeoutS) * 1000;
}

/** A reported init time as the supervisor records it: a whole number of ms within the bound. */
export function initMsOf(reported: unknown, timeoutS: number): number {
  const ms = typeof reported === 'number' && Number.isFinite(reported) ? Math.round(reported) : 0;
  return Math.min(Math.max(0, ms), initBoundMs(timeoutS));
}

/**
 * A warm executor serves many events on one stdout: after each event's output it writes
 * this line (after flushing), and the supervisor cuts that event's logs there. It names the
 * run's token and the execution, so output of the function cannot end another event's logs
 * by accident; forging it only garbles the function's own logs.
 */
export function logFence(token: string, executionId: string): string {
  return `\u0000fnstack-end ${token} ${executionId}\n`;
}
