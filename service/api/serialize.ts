/** Domain objects → API JSON (snake_case, ISO times). */
import type { ExecutionSummary, FnFunction, FunctionVersion } from '../model.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const span = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.max(0, b - a));

export function versionJson(v: FunctionVersion) {
  return {
    version: v.version,
    runtime: v.runtime,
    handler: v.handler,
    memory_mb: v.memoryMb,
    vcpus: v.vcpus,
    disk_gb: v.diskGb,
    timeout_s: v.timeoutS,
    network: v.network,
    isolation: v.isolation,
    env: v.env,
    code: { sha256: v.code.sha256, size_bytes: v.code.sizeBytes, format: v.code.format, file_name: v.code.fileName },
    created_at: iso(v.createdAt),
  };
}

export function functionJson(f: FnFunction) {
  return { name: f.name, ...versionJson(f.spec), created_at: iso(f.createdAt), updated_at: iso(f.updatedAt) };
}

/** An execution as lists show it: the result's size and preview, never the result. */
export function executionSummaryJson(e: ExecutionSummary) {
  return {
    id: e.id,
    function: e.functionName,
    function_version: e.functionVersion,
    event_id: e.eventId,
    status: e.status,
    attempts: e.attempts,
    result_bytes: e.resultBytes,
    result_preview: e.resultPreview,
    error: e.error,
    limits: e.limits,
    placement: e.placement,
    peak_memory_bytes: e.peakMemoryBytes,
    timings: {
      queued_at: iso(e.queuedAt),
      provisioning_at: iso(e.provisioningAt),
      running_at: iso(e.runningAt),
      finished_at: iso(e.finishedAt),
      queue_ms: span(e.queuedAt, e.provisioningAt),
      provision_ms: span(e.provisioningAt, e.runningAt),
      run_ms: span(e.runningAt, e.finishedAt),
      init_ms: e.initMs ?? null,
      total_ms: span(e.queuedAt, e.finishedAt),
    },
    logs_truncated: e.logsTruncated,
    request_id: e.requestId,
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  };
}
