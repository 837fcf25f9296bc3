/** How functions and their versions read in a terminal. */
import type { FunctionInfo, FunctionVersionInfo } from '../api-types.js';
import { formatFields, formatTable } from './table.js';
import { humanAge, humanSize, humanTime } from './units.js';

/** The API fields behind functionTable's columns (what `-f value` prints). */
export const FUNCTION_COLUMNS = ['name', 'runtime', 'handler', 'version', 'memory_mb', 'timeout_s', 'updated_at'];

export function functionTable(functions: readonly FunctionInfo[], now = Date.now()): string {
  return formatTable(
    ['NAME', 'RUNTIME', 'HANDLER', 'VERSION', 'MEMORY', 'TIMEOUT', 'CODE', 'UPDATED'],
    functions.map((f) => [
      f.name,
      f.runtime,
      f.handler,
      String(f.version),
      `${f.memory_mb} MiB`,
      `${f.timeout_s} s`,
      humanSize(f.code?.size_bytes),
      humanAge(f.updated_at, now),
    ]),
    { alignRight: [3, 4, 5, 6] },
  );
}

export function functionDetails(f: FunctionInfo): string {
  const fields = formatFields([
    ['name', f.name],
    ['version', String(f.version)],
    ['runtime', f.runtime],
    ['handler', f.handler],
    ['memory', `${f.memory_mb} MiB`],
    ['vcpus', String(f.vcpus)],
    ['disk', `${f.disk_gb} GiB`],
    ['timeout', `${f.timeout_s} s`],
    ['network', f.network ? 'yes' : 'no'],
    ['isolation', f.isolation ?? '-'],
    ['code', codeLine(f.code)],
    ['created', humanTime(f.created_at)],
    ['updated', humanTime(f.updated_at)],
  ]);
  return fields + envBlock(f.env);
}

export const VERSION_COLUMNS = ['version', 'runtime', 'handler', 'memory_mb', 'timeout_s', 'created_at'];

export function versionTable(versions: readonly FunctionVersionInfo[]): string {
  return formatTable(
    ['VERSION', 'RUNTIME', 'HANDLER', 'MEMORY', 'TIMEOUT', 'CODE', 'SHA256', 'CREATED'],
    versions.map((v) => [
      String(v.version),
      v.runtime,
      v.handler,
      `${v.memory_mb} MiB`,
      v.timeout_s === undefined ? '-' : `${v.timeout_s} s`,
      humanSize(v.code?.size_bytes),
      (v.code?.sha256 ?? '').slice(0, 12),
      humanTime(v.created_at),
    ]),
    { alignRight: [0, 3, 4, 5] },
  );
}

function codeLine(code: FunctionInfo['code'] | undefined): string {
  if (!code) return '-';
  return `${code.format}, ${humanSize(code.size_bytes)}, sha256 ${code.sha256}`;
}

function envBlock(env: Record<string, string> | undefined): string {
  const keys = Object.keys(env ?? {}).sort();
  if (keys.length === 0) return 'env:        (none)\n';
  return `env:\n${keys.map((k) => `  ${k}=${env![k]}`).join('\n')}\n`;
}
