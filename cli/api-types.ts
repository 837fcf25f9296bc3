/** Shapes of the REST API (docs/api.md), as the CLI reads and sends them. */

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface Runtime {
  name: string;
  language: string;
  version: string;
  default: boolean;
}

export type CodeFormat = 'js' | 'mjs' | 'cjs' | 'zip' | 'tar.gz';
export type Isolation = 'per-event' | 'reuse';

export interface CodeInfo {
  sha256: string;
  size_bytes: number;
  format: CodeFormat;
}

export interface FunctionInfo {
  name: string;
  runtime: string;
  handler: string;
  memory_mb: number;
  vcpus: number;
  disk_gb: number;
  timeout_s: number;
  network: boolean;
  isolation: Isolation;
  env: Record<string, string>;
  version: number;
  code: CodeInfo;
  created_at: string;
  updated_at: string;
  /** Create and update only: what the uploaded package may lack (e.g. node_modules). */
  warnings?: string[];
}

export interface FunctionVersionInfo {
  version: number;
  runtime: string;
  handler: string;
  memory_mb: number;
  vcpus?: number;
  disk_gb?: number;
  timeout_s?: number;
  network?: boolean;
  isolation?: Isolation;
  env?: Record<string, string>;
  code: CodeInfo;
  created_at: string;
}

/** Where a function's execution outcomes go (GET/PUT /v1/functions/{name}/destinations). */
export type Destination = { kind: 'events'; routing_key?: string } | { kind: 'url'; url: string };

export interface DestinationsInfo {
  function: string;
  on_success: Destination | null;
  on_failure: Destination | null;
  last_delivered_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  updated_at: string | null;
}

/** What `metadata` may carry on create (name required) and update (name forbidden). */
export interface FunctionMetadata {
  name?: string;
  runtime?: string;
  handler?: string;
  memory_mb?: number;
  vcpus?: number;
  disk_gb?: number;
  timeout_s?: number;
  network?: boolean;
  isolation?: Isolation;
  env?: Record<string, string>;
}

export type ExecutionStatus = 'queued' | 'provisioning' | 'running' | 'succeeded' | 'failed' | 'timed_out';
export const FINAL_STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'timed_out'];
export const ALL_STATUSES: readonly ExecutionStatus[] = ['queued', 'provisioning', 'running', ...FINAL_STATUSES];
export const isFinalStatus = (s: string): boolean => (FINAL_STATUSES as readonly string[]).includes(s);

export interface ExecutionTimings {
  queued_at: string | null;
  provisioning_at: string | null;
  running_at: string | null;
  finished_at: string | null;
  queue_ms: number | null;
  provision_ms: number | null;
  run_ms: number | null;
  /** Loading the handler's module: part of run_ms, not of the timeout. */
  init_ms?: number | null;
  total_ms: number | null;
}

/** An execution in a list: the result's size and a preview of at most 1 KiB, never the result. */
export interface ExecutionSummaryInfo {
  id: string;
  function: string;
  function_version: number;
  event_id: string;
  status: ExecutionStatus;
  attempts: number;
  result_bytes?: number | null;
  result_preview?: string | null;
  error: { kind: string; message: string; stack?: string } | null;
  limits: { memory_mb: number; vcpus: number; disk_gb: number; timeout_s: number; network: boolean };
  placement: { provider: string; details: Record<string, unknown> } | null;
  peak_memory_bytes: number | null;
  timings: Partial<ExecutionTimings> | null;
  logs_truncated: boolean;
  /** The X-Request-Id of the call that caused it (services before 0.x send none). */
  request_id?: string | null;
  created_at: string;
  updated_at: string;
}

/** One execution: the result inline when small, else result_truncated and result_url. */
export interface ExecutionInfo extends ExecutionSummaryInfo {
  result: unknown;
  result_truncated?: boolean;
  result_url?: string | null;
}

export interface ExecutionLogs {
  execution_id: string;
  status: ExecutionStatus;
  logs: string;
  truncated: boolean;
  /** Pass back as `after` for what comes next (services before live logs send none). */
  cursor?: string;
  /** `after` was beyond the logs (the execution was retried): `logs` starts from the beginning. */
  reset?: boolean;
}

export interface AsyncInvokeAccepted {
  execution_id: string;
  status: ExecutionStatus;
}
