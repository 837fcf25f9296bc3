import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU ms the whole machine has spent busy so far: every process and kernel thread (loop
 * devices, mounts), all of /proc/stat's first line but idle and iowait. For benchmarks.
 */
export function machineCpuMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return ((f.reduce((a, b) => a + b, 0) - f[3]! - f[4]!) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** CPU ms (user + system) process `pid` has spent so far, or null when it cannot be read (gone, or not on this machine). */
export function processCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** The lowest pid whose process name is one of `names` (e.g. `mariadbd`), or undefined when none runs here. */
export function pidNamed(...names: string[]): number | undefined {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => a - b);
  return pids.find((pid) => {
    try {
      return names.includes(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
    } catch {
      return false;
    }
  });
}
