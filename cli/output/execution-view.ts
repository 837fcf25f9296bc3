/** How executions read in a terminal. */
import type { ExecutionInfo, ExecutionSummaryInfo } from '../api-types.js';
import { formatFields, formatTable } from './table.js';
import { humanAge, humanDuration, humanSize, humanTime } from './units.js';

/** The API fields behind executionTable's columns (what `-f value` prints). */
export const EXECUTION_COLUMNS = ['id', 'function', 'function_version', 'status', 'timings.total_ms', 'created_at'];

export function executionTable(executions: readonly ExecutionSummaryInfo[], now = Date.now()): string {
  return formatTable(
    ['ID', 'FUNCTION', 'VERSION', 'STATUS', 'DURATION', 'CREATED'],
    executions.map((e) => [e.id, e.function, String(e.function_version), e.status, humanDuration(e.timings?.total_ms), humanAge(e.created_at, now)]),
    { alignRight: [2, 4] },
  );
}

export function executionDetails(e: ExecutionInfo): string {
  const t = e.timings ?? {};
  const fields: Array<[string, string]> = [
    ['id', e.id],
    ['function', `${e.function} (version ${e.function_version})`],
    ['status', e.status],
    ['event', e.event_id ?? '-'],
    ['attempts', String(e.attempts)],
    ['request', e.request_id ?? '-'],
  ];
  if (e.error) fields.push(['error', `${e.error.kind}: ${e.error.message}`]);
  fields.push(
    ['limits', limitsLine(e.limits)],
    ['placement', e.placement ? `${e.placement.provider}${detailsLine(e.placement.details)}` : '-'],
    ['peak memory', humanSize(e.peak_memory_bytes)],
    ['timings', `queue ${humanDuration(t.queue_ms)}, provision ${humanDuration(t.provision_ms)}, run ${humanDuration(t.run_ms)}${t.init_ms !== null && t.init_ms !== undefined ? ` (init ${humanDuration(t.init_ms)})` : ''}, total ${humanDuration(t.total_ms)}`],
    ['created', humanTime(e.created_at)],
    ['finished', humanTime(t.finished_at)],
    ['logs', e.logs_truncated ? 'truncated' : 'complete'],
  );
  let out = formatFields(fields);
  if (e.result_truncated) out += `result: ${humanSize(e.result_bytes ?? null)}, too large to come inline (\`fnstack execution result ${e.id}\` prints it)\n`;
  else if (e.result !== null && e.result !== undefined) out += `result:\n${indent(JSON.stringify(e.result, null, 2))}\n`;
  return out;
}

/** The last `count` non-empty lines of a log, for failure summaries. */
export function lastLines(logs: string, count: number): string[] {
  const lines = logs.split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.slice(-count);
}

function limitsLine(l: ExecutionInfo['limits'] | undefined): string {
  if (!l) return '-';
  return `${l.memory_mb} MiB, ${l.vcpus} vCPU, ${l.disk_gb} GiB disk, ${l.timeout_s} s, network ${l.network ? 'on' : 'off'}`;
}

function detailsLine(details: Record<string, unknown> | undefined): string {
  const pairs = Object.entries(details ?? {}).filter(([, v]) => v !== null && typeof v !== 'object');
  return pairs.length > 0 ? ` (${pairs.map(([k, v]) => `${k}=${String(v)}`).join(', ')})` : '';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
