/** Domain types shared by the stages (what the API shows is serialized from these). */
import type { CloudEvent, FailureInfo } from './runner/protocol.js';

export type ExecutionStatus = 'queued' | 'provisioning' | 'running' | 'succeeded' | 'failed' | 'timed_out';
export const FINAL_STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'timed_out'];
export const isFinal = (s: string): boolean => (FINAL_STATUSES as readonly string[]).includes(s);

export type CodeFormat = 'js' | 'mjs' | 'cjs' | 'zip' | 'tar.gz';
export type Isolation = 'per-event' | 'reuse';

/** What a function version declares; every version is immutable. */
export interface FunctionSpec {
  runtime: string;
  handler: string;
  memoryMb: number;
  vcpus: number;
  diskGb: number;
  timeoutS: number;
  network: boolean;
  isolation: Isolation;
  env: Record<string, string>;
}

export interface CodeRef {
  sha256: string;
  sizeBytes: number;
  format: CodeFormat;
  fileName: string | null;
}

export interface FunctionVersion extends FunctionSpec {
  functionId: string;
  version: number;
  code: CodeRef;
  createdAt: number;
}

export interface FnFunction {
  id: string;
  projectId: string;
  name: string;
  currentVersion: number;
  createdAt: number;
  updatedAt: number;
  /** The current version's spec and code. */
  spec: FunctionVersion;
  /** Whether it had outcome destinations when read (unknown: not read with it). */
  hasDestinations?: boolean;
}

export interface ExecutionLimits {
  memory_mb: number;
  vcpus: number;
  disk_gb: number;
  timeout_s: number;
  network: boolean;
}

/**
 * An execution without its event and its result, as lists and the API read it: a result
 * may be tens of MiB, so it is read on its own (ExecutionStore.resultChunks).
 */
export interface ExecutionSummary {
  id: string;
  projectId: string;
  functionId: string;
  functionName: string;
  functionVersion: number;
  eventId: string;
  status: ExecutionStatus;
  attempts: number;
  /** Size of the result's JSON text (UTF-8 bytes); null when there is no result. */
  resultBytes: number | null;
  /** The result's JSON text cut to at most 1 KiB; null when there is no result. */
  resultPreview: string | null;
  error: FailureInfo | null;
  limits: ExecutionLimits;
  placement: { provider: string; details: Record<string, unknown>; warm?: boolean; reuse_count?: number } | null;
  peakMemoryBytes: number | null;
  /** How long loading the handler's module took, ms (not part of the timeout); null when it never loaded. */
  initMs: number | null;
  logsTruncated: boolean;
  queuedAt: number;
  provisioningAt: number | null;
  runningAt: number | null;
  finishedAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** The request id of the API call that caused it; null when none did. */
  requestId: string | null;
}

/** An execution with its event, as the orchestrator reads it. */
export interface Execution extends ExecutionSummary {
  event: CloudEvent;
  /** A sync invoke waits for it: its finish is announced to every API process. */
  awaited: boolean;
}
