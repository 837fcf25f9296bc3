/**
 * The provisioner stage's contract. A Provider turns provisioning parameters into an
 * isolated Environment, runs one assignment in it, and releases it. Back ends:
 * `local` (sandboxed processes on this machine) and `openstack` (Nova servers).
 *
 * Lifecycle, driven by the orchestrator for every execution:
 *   const env = await provider.acquire(params, signal);   // status: provisioning
 *   try { outcome = await env.run(assignment, signal) }    // status: running
 *   finally { await provider.release(env) }                // always, whatever happened
 */
import type { Assignment, OutputListener, RunOutcome } from '../runner/protocol.js';

/** What an execution needs from its environment; computed by the orchestrator. */
export interface ProvisioningParams {
  executionId: string;
  projectId: string;
  functionName: string;
  functionVersion: number;
  /** Runtime name, e.g. `nodejs20`. */
  runtime: string;
  /** The function's declared resources. */
  memoryMb: number;
  vcpus: number;
  diskGb: number;
  timeoutS: number;
  /** false: the environment gets no network at all. */
  network: boolean;
  /** Memory the runtime itself needs on top of the function's (added when sizing a server). */
  runtimeOverheadMb: number;
  /**
   * `per-event` (default): a fresh environment for this event alone. `reuse`: a warm
   * environment that serves this function version's events one at a time (never another's).
   */
  isolation?: 'per-event' | 'reuse';
  /** The code package's sha256: part of what a warm environment is kept for. */
  codeSha256?: string;
}

/** Why a provider placed the execution where it did; recorded on the execution. */
export interface Placement {
  provider: string;
  /** e.g. `{ flavor: 'm1.small', image: '…', reason: 'smallest flavor with ≥ 640 MiB' }` or the local limits. */
  details: Record<string, unknown>;
  /** The environment served an event of this function before (isolation: reuse). */
  warm?: boolean;
  /** Events the environment served before this one. */
  reuse_count?: number;
}

/**
 * How an execution had its environment: one that served an event of its function before
 * (`warm`, isolation: reuse), one made before its event (`pre_started`: a pre-started local
 * sandbox, a pool server), or one made on the event's path (`new`).
 */
export type EnvironmentOrigin = 'warm' | 'pre_started' | 'new';

export function environmentOriginOf(placement: Placement): EnvironmentOrigin {
  if (placement.warm === true) return 'warm';
  // The local provider marks a pre-started sandbox, the OpenStack one a server from its pool.
  return placement.details.preStarted === true || placement.details.pool === 'hit' ? 'pre_started' : 'new';
}

/** A live environment, owned by exactly one execution until released. */
export interface Environment {
  readonly id: string;
  readonly placement: Placement;
  /**
   * Runs the assignment to a final outcome. Never throws for anything the function did.
   * `onOutput` sees the function's output while it runs, where the provider can see it
   * (the openstack provider's runner posts its logs to the service instead).
   */
  run(assignment: Assignment, signal?: AbortSignal, onOutput?: OutputListener): Promise<RunOutcome>;
  /**
   * The code (sha256) this environment holds already, if any: its events need no code tree
   * (a warm sandbox after its first event), so the orchestrator does not look for one.
   */
  readonly holdsCode?: string | null;
}

export interface Provider {
  readonly name: string;
  /** Validates at function create/update time that these parameters can be hosted; throws ProvisioningError otherwise. */
  check(params: Omit<ProvisioningParams, 'executionId'>): Promise<Placement>;
  acquire(params: ProvisioningParams, signal?: AbortSignal): Promise<Environment>;
  /** Idempotent; must succeed (or retry internally) so that nothing leaks. */
  release(env: Environment): Promise<void>;
  close(): Promise<void>;
  /**
   * What the provider guards and what it refuses on this machine, said once at start
   * (throws the reason when it cannot run anything at all).
   */
  describeGuards?(): Promise<Record<string, string>>;
  /** Environments kept by this process now, by kind (`warm_busy`, `warm_idle`, `pool_ready`), for metrics. */
  environmentCounts?(): Record<string, number>;
}

/** A failure to provision (not the function's fault): no fitting flavor, quota, boot error, deadline. */
export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
  constructor(
    readonly code: 'no_fitting_flavor' | 'quota_exceeded' | 'boot_failed' | 'provision_timeout' | 'provider_unavailable' | 'invalid_params',
    message: string,
    readonly retryable = false,
    /** The function parameter this is about (`memory_mb`, `network`, …), when it is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}
