/**
 * A function's resource limits: the one place their bounds are decided. The API schemas
 * (and so /docs), the service's own ceilings in config.yaml and the project quotas read
 * these; checkLimits applies them together with the service's ceilings.
 */
import { invalid } from './errors.js';

export const LIMIT_BOUNDS = {
  memory_mb: { minimum: 64 },
  vcpus: { minimum: 1, maximum: 64 },
  disk_gb: { minimum: 1, maximum: 1000 },
  timeout_s: { minimum: 1 },
} as const;

export interface Limits {
  memoryMb: number;
  vcpus: number;
  diskGb: number;
  timeoutS: number;
}

/** What this service allows at most (config.yaml: max_memory_mb, max_timeout_s). */
export interface ServiceCeilings {
  maxMemoryMb: number;
  maxTimeoutS: number;
}

/** Throws a 400 naming the first field out of bounds. */
export function checkLimits(l: Limits, ceilings: ServiceCeilings): void {
  const within = (field: keyof typeof LIMIT_BOUNDS, value: number, max: number | undefined, whose: string) => {
    const min = LIMIT_BOUNDS[field].minimum;
    if (!Number.isInteger(value) || value < min) throw invalid(field, `${field} must be an integer of at least ${min}, not ${value}`);
    if (max !== undefined && value > max) throw invalid(field, `${field} ${value} is over ${whose} of ${max}`);
  };
  within('memory_mb', l.memoryMb, ceilings.maxMemoryMb, "this service's limit");
  within('vcpus', l.vcpus, LIMIT_BOUNDS.vcpus.maximum, 'the limit');
  within('disk_gb', l.diskGb, LIMIT_BOUNDS.disk_gb.maximum, 'the limit');
  within('timeout_s', l.timeoutS, ceilings.maxTimeoutS, "this service's limit");
}
