/**
 * One acquired local sandbox: its working directory, uid and cgroups. `run` links the code
 * in and runs the executor once in bubblewrap (launch-command); `dispose` (called by the
 * provider's release) kills whatever is left and removes everything.
 */
import type { Environment, Placement } from '../provider.js';
import type { Assignment, ModuleFormat, OutputListener, RunOutcome } from '../../runner/protocol.js';
import { supervise, type LaunchSpec, type SandboxHooks } from '../../runner/supervisor.js';
import { WarmSession } from '../../runner/warm-session.js';
import type { ExecutionCgroup } from './cgroups.js';
import type { Host } from './host-probe.js';
import type { ResolvedOptions } from './local-options.js';
import { bwrapArgs, INSIDE, LAUNCHER_ENV, launchArgv, type LaunchPlan } from './launch-command.js';
import type { DiskQuota } from './disk-quota.js';
import { withDiskVerdict } from './disk-verdict.js';
import { seccompProgram } from './seccomp.js';
import { killUid } from './uid-reaper.js';
import { populateCode, removeWorkdir, type Workdir } from './workdir.js';

/**
 * Up to this declared memory, V8's own heap sizing inside the memory cgroup (never below
 * ~259 MiB) leaves the whole budget to the function, and the cgroup enforces the limit;
 * above it V8 would size the heap at about half the cgroup, so the flag sets it.
 */
const V8_HEAP_FLOOR_MB = 256;

/** probeHost refuses a machine without the filter, so every sandbox gets it. */
const SECCOMP = seccompProgram() ?? Buffer.alloc(0);

export interface SandboxParts {
  /** The sandbox's name: its directory, cgroup and owner-file name. */
  name: string;
  workdir: Workdir;
  uid: number | null;
  cgroup: ExecutionCgroup | null;
  /** Holds the run's disk (mounted at its tmp/), when disk_gb is enforced. */
  disk: DiskQuota | null;
  network: boolean;
  memoryMb: number;
  memoryLimitBytes: number;
  runtimeOverheadMb: number;
}

export class LocalEnvironment implements Environment {
  private ran = false;
  private disposed: Promise<boolean> | null = null;

  constructor(
    readonly id: string,
    readonly placement: Placement,
    readonly parts: SandboxParts,
    private readonly options: ResolvedOptions,
    private readonly host: Host,
    /** The runner copy the sandbox uid can read. */
    private readonly runnerDir: string,
  ) {}

  async run(assignment: Assignment, signal?: AbortSignal, onOutput?: OutputListener): Promise<RunOutcome> {
    const startedAt = Date.now();
    const refuse = (message: string): RunOutcome => ({
      status: 'failed',
      failure: { kind: 'runner_error', message },
      logs: '',
      logsTruncated: false,
      startedAt,
      finishedAt: Date.now(),
    });
    if (this.ran || this.disposed) return refuse('this environment has already been used');
    this.ran = true;
    const { workdir } = this.parts;
    if (!assignment.code.dir) return refuse('the local provider needs the code as a directory (assignment.code.dir)');
    try {
      await populateCode(assignment.code.dir, workdir.codeDir);
    } catch (err) {
      return refuse(`cannot place the code in the sandbox: ${(err as Error).message}`);
    }
    const local: Assignment = {
      ...assignment,
      code: { ...assignment.code, dir: INSIDE.code },
      env: {},
      logLimitBytes: Math.min(assignment.logLimitBytes, this.options.logLimitBytes),
    };
    const outcome = await supervise(local, this.launchSpec(this.plan(), assignment.env), signal, { maxMessageBytes: this.options.maxResultBytes, onOutput });
    // A function that filled its disk fails on ENOSPC: the failure says that was the limit.
    return this.withDiskVerdict(outcome);
  }

  private launchSpec(plan: LaunchPlan, fnEnv: Record<string, string>): LaunchSpec {
    const { uid } = this.parts;
    return {
      argv: launchArgv(plan),
      cwd: '/',
      env: { ...LAUNCHER_ENV },
      ...(uid !== null ? { uid, gid: uid } : {}),
      // The function's variables reach only the node process, through bubblewrap's argument stream.
      stdin: Buffer.from(bwrapArgs(plan, fnEnv).map((a) => a + '\0').join('')),
      inputs: [SECCOMP],
      signalExitCodes: true,
      hooks: this.hooks(),
    };
  }

  /**
   * A long-lived executor (warm-executor.cjs) in this sandbox, instead of `run`: it serves
   * assignments one at a time; `fnEnv` is the environment node starts with, `warmUp` the
   * loaders it warms before it says ready. Not started yet.
   */
  session(fnEnv: Record<string, string>, warmUp: readonly ModuleFormat[]): WarmSession {
    if (this.ran || this.disposed) throw new Error('this environment has already been used');
    this.ran = true;
    return new WarmSession(this.launchSpec({ ...this.plan(), entry: 'warm-executor.cjs', warmUp }, fnEnv), { maxMessageBytes: this.options.maxResultBytes });
  }

  /** The per-run log cap: the assignment's, within the provider's. */
  logLimit(assignmentLimit: number): number {
    return Math.min(assignmentLimit, this.options.logLimitBytes);
  }

  /** Checks (and bills) the disk verdict after a run, as `run` does. */
  async withDiskVerdict(outcome: RunOutcome): Promise<RunOutcome> {
    const { uid, disk } = this.parts;
    // Only a failure can gain a verdict: a success costs no statfs.
    if (outcome.status === 'succeeded' || !outcome.failure) return outcome;
    return disk && uid !== null ? withDiskVerdict(outcome, await disk.usage(uid).catch(() => null)) : outcome;
  }

  /** Kills everything left and removes the sandbox; true when nothing survived (the uid may be reused). */
  dispose(): Promise<boolean> {
    this.disposed ??= (async () => {
      let clean = true;
      if (this.parts.cgroup) await this.parts.cgroup.remove().catch(() => (clean = false));
      if (this.parts.uid !== null && !this.parts.cgroup) clean = await killUid(this.options.tools.setpriv, this.parts.uid);
      // After the kill: the disk is lent again only when nothing of the run survived and it left nothing.
      if (this.parts.disk && this.parts.uid !== null) await this.parts.disk.clear(this.parts.uid, clean).catch(() => (clean = false));
      await removeWorkdir(this.parts.workdir.root);
      return clean;
    })();
    return this.disposed;
  }

  private plan(): LaunchPlan {
    const o = this.options;
    const { cgroup, uid, network, memoryMb, runtimeOverheadMb } = this.parts;
    const cg = this.host.cgroups;
    const memoryCgroup = cgroup !== null && cg?.memory === true;
    const pidsCgroup = cgroup !== null && cg?.pids === true;
    return {
      tools: o.tools,
      nodeBinary: o.nodeBinary,
      runnerDir: this.runnerDir,
      workdir: this.parts.workdir,
      user: uid === null ? null : { uid, gid: uid },
      network,
      cgroupProcs: cgroup?.procsFiles ?? [],
      seccompFd: 4,
      usrLinks: this.host.usrLinks,
      addressSpaceKb: memoryCgroup ? null : (memoryMb + runtimeOverheadMb + o.addressSpaceHeadroomMb) * 1024,
      nproc: pidsCgroup || uid === null ? null : o.pidsMax,
      maxOldSpaceMb: memoryCgroup && memoryMb <= V8_HEAP_FLOOR_MB && !o.alwaysLimitHeap ? null : memoryMb,
      permissionModel: o.permissionModel,
      allowChildProcesses: o.allowChildProcesses,
    };
  }

  private hooks(): SandboxHooks {
    const { cgroup, uid } = this.parts;
    const setpriv = this.options.tools.setpriv;
    return {
      killAll: async () => {
        if (cgroup) await cgroup.kill();
        else if (uid !== null) await killUid(setpriv, uid);
      },
      inspect: async () => (cgroup ? cgroup.stats() : { outOfMemory: false }),
    };
  }
}
