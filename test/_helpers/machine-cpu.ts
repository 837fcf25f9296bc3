import { readFileSync } from 'node:fs';

/**
 * CPU ms the whole machine has spent busy so far: every process and kernel thread (loop
 * devices, mounts), all of /proc/stat's first line but idle and iowait. For benchmarks.
 */
export function machineCpuMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return ((f.reduce((a, b) => a + b, 0) - f[3]! - f[4]!) * 1000) / 100; // USER_HZ is 100 on Linux
}
