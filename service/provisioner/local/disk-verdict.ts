/**
 * Says why a run failed when its disk was full. A function that hits its disk limit sees
 * ENOSPC and usually throws or crashes with that; the failure then names the limit, so the
 * execution says that the disk, not the code, ran out. Pure.
 */
import type { RunOutcome } from '../../runner/protocol.js';
import type { DiskUsage } from './disk-quota.js';

/** Starts the sentence appended to the failure's message; stable, for whoever classifies failures. */
export const DISK_LIMIT_REACHED = 'disk limit reached';

export function withDiskVerdict(outcome: RunOutcome, usage: DiskUsage | null): RunOutcome {
  if (!usage?.full || outcome.status === 'succeeded' || !outcome.failure) return outcome;
  const what = usage.inodeLimit - usage.usedInodes <= 0 ? `all ${usage.inodeLimit} files` : `${mib(usage.usedBytes)} of ${mib(usage.limitBytes)}`;
  const note = `${DISK_LIMIT_REACHED}: the function used ${what} of its disk (disk_gb); writing more fails with ENOSPC`;
  return { ...outcome, failure: { ...outcome.failure, message: `${outcome.failure.message} (${note})` } };
}

const mib = (n: number) => `${(n / 1024 ** 2).toFixed(0)} MiB`;
