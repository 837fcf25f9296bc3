/**
 * The `local` provider: every execution runs in a sandboxed process on this machine.
 * Isolation, in layers (each documented where it is built):
 *
 * 1. nothing runs as root: the chain starts as the execution's own uid (as root; uid-pool),
 *    with an environment the service builds; the function's variables reach node alone
 * 2. bubblewrap: new user, pid, ipc, uts, cgroup [, network] namespaces, no capabilities,
 *    no_new_privs, a root holding only /usr, a few /etc files, the code (read-only), the
 *    runner (read-only) and the execution's own tmp/ — no host socket, no data dir, no other
 *    execution; killed with the service (launch-command)
 * 3. a fresh working directory per execution, code hard-linked from the read-only cache (workdir)
 * 4. Node's permission model: reads limited to the code, the runner and /tmp (launch-command)
 * 5. memory and pids limits: cgroups (cgroups), else rlimits
 * 6. `network: false`: a new, empty network namespace; `network: true`: the host's network,
 *    but no access to services listening on this machine (host-services-guard) — refused when
 *    that guard cannot be installed
 * 7. the deadline kills the whole cgroup (else the uid's processes, else the process group)
 *
 *   const provider = new LocalProvider({ sandboxRoot: '/var/lib/fnstack/sandboxes', pidsMax: config.limits.pidsMax });
 */
import { chownSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ProvisioningError, type Environment, type Placement, type ProvisioningParams, type Provider } from '../provider.js';
import { RUNNER_DIR } from '../../runner/supervisor.js';
import { cpuLimitProblem, type CpuPriority, type ExecutionCgroup } from './cgroups.js';
import { DiskQuota, GiB } from './disk-quota.js';
import { probeHost, type Host } from './host-probe.js';
import { guardHostServices, type GuardState } from './host-services-guard.js';
import { LocalEnvironment } from './local-environment.js';
import { resolveOptions, type LocalProviderOptions, type ResolvedOptions } from './local-options.js';
import { installRunner } from './runner-install.js';
import { claim, sweepStale, unclaim } from './stale-sweeper.js';
import { UidPool } from './uid-pool.js';
import { createWorkdir, removeWorkdir, type Workdir } from './workdir.js';
import { ReusePool, type ReuseHooks } from './reuse-pool.js';
import { SpawnPool, type SpawnHooks } from './spawn-pool.js';
import { LoaderDemand } from './loader-demand.js';
import { PooledLease, WarmLease, WarmSandbox } from './warm-sandbox.js';

export type { LocalProviderOptions } from './local-options.js';

export class LocalProvider implements Provider {
  readonly name = 'local';
  readonly options: ResolvedOptions;
  private readonly uids: UidPool | null;
  /** Each execution's tmp/ is a filesystem of its disk_gb (null: `diskLimit: 'off'`). */
  private readonly disk: DiskQuota | null;
  private readonly live = new Map<string, LocalEnvironment>();
  private hostProbe: Promise<Host> | null = null;
  /** `isolation: reuse`: warm sandboxes per function version. */
  private readonly reuse: ReusePool<WarmSandbox>;
  /** Per-event: sandboxes started before their event. */
  private readonly spawnPool: SpawnPool<WarmSandbox>;
  private readonly loaders: LoaderDemand;
  /** Pooled sandboxes being destroyed after their one event. */
  private readonly destroying = new Set<Promise<void>>();
  private closed = false;
  private runnerDir = RUNNER_DIR;

  /** Whether sandboxes are kept off the host's loopback services; without it, no network. */
  private hostGuard: GuardState = { installed: false, reason: 'sandboxes without their own uids cannot be kept off the host\'s own services (run the service as root)' };

  constructor(options: LocalProviderOptions) {
    this.options = resolveOptions(options, process.getuid?.() === 0);
    const o = this.options;
    this.uids = o.isolateUsers ? new UidPool(o.uidBase, o.uidCount, o.uidLockDir) : null;
    this.disk = o.diskLimit === 'loop' ? new DiskQuota({ imageDir: o.scratchDir, reserveBytes: o.diskReserveMb * 1024 * 1024 }) : null;
    this.reuse = new ReusePool({ idleMs: o.warmIdleMs, maxPerFunction: o.warmMaxPerFunction, maxPerProject: o.warmMaxPerProject });
    this.spawnPool = new SpawnPool(o.poolSize, o.warmIdleMs);
    this.loaders = new LoaderDemand(o.warmIdleMs);
  }

  /** The machine's capabilities, probed once (and the sandbox root created). */
  host(): Promise<Host> {
    this.hostProbe ??= (async () => {
      const root = this.options.sandboxRoot;
      // Traversable (not listable) by the sandbox uids, which reach their own directory in it.
      // Only the root itself is closed: parents we create (say /var/lib/fnstack) stay traversable,
      // or a later provider with sandbox uids sharing them could not reach its own root.
      await mkdir(dirname(root), { recursive: true, mode: 0o755 });
      await mkdir(root, { recursive: true, mode: this.uids ? 0o711 : 0o700 });
      await chmod(root, this.uids ? 0o711 : 0o700);
      const host = await probeHost(this.options);
      const cpuProblem = cpuLimitProblem(host.cgroups, this.options.cpuLimit);
      if (cpuProblem) throw new Error(cpuProblem);
      if (this.disk && !this.uids) throw new Error("the disk limit (diskLimit: 'loop') needs per-execution uids, i.e. a service running as root; or set diskLimit: 'off'");
      // Before the sweep: a dead sandbox's tmp/ may still be a mounted disk.
      await this.disk?.prepare();
      // The executors are bundled by the build (scripts/bundle-runner.mjs), after tsc.
      for (const bundle of ['executor.cjs', 'warm-executor.cjs']) {
        if (!(await stat(join(RUNNER_DIR, bundle)).catch(() => null))) throw new Error(`the runner is not built: ${join(RUNNER_DIR, bundle)} is missing (npm run build)`);
      }
      if (this.uids) this.runnerDir = await installRunner(RUNNER_DIR, join(root, '.runner'));
      await sweepStale(root, host.cgroups, this.options.tools.setpriv);
      if (this.uids) this.hostGuard = await guardHostServices(this.options.uidBase, this.options.uidCount, this.options.firewallDirs, this.options.egressDeny);
      return host;
    })();
    return this.hostProbe;
  }

  async check(params: Omit<ProvisioningParams, 'executionId'>): Promise<Placement> {
    const host = await this.available();
    this.validate(params);
    return this.placementOf(params, host);
  }

  async acquire(params: ProvisioningParams, signal?: AbortSignal): Promise<Environment> {
    await this.available();
    this.validate(params);
    signal?.throwIfAborted();
    if (params.isolation === 'reuse') {
      const key = JSON.stringify([params.projectId, params.functionName, params.functionVersion, params.codeSha256 ?? null]);
      const { sandbox, reuseCount } = await this.reuse.take(key, params.projectId, this.warmHooks(params), signal);
      return new WarmLease(sandbox, reuseCount);
    }
    if (this.options.poolSize > 0) {
      const shape = shapeOf(params);
      const ready = this.spawnPool.take(shape, this.poolHooks(params, shape));
      if (ready) {
        const raised = await ready.env.parts.cgroup?.setCpuPriority('normal').then(
          () => true,
          () => false,
        );
        if (raised !== false) return new PooledLease(ready, shape);
        this.background(this.destroy(ready.env));
      }
    }
    const env = await this.prepare(params, dirNameOf(params.executionId));
    env.placement.warm = false;
    env.placement.reuse_count = 0;
    return env;
  }

  /**
   * Makes a sandbox (uid, working directory, cgroups, disk) named `<base>-<random>`; nothing
   * runs in it yet. A `background` one (pre-started, no event yet) gets a small CPU share.
   */
  private async prepare(params: Omit<ProvisioningParams, 'executionId'>, base: string, priority: CpuPriority = 'normal'): Promise<LocalEnvironment> {
    const host = await this.available();
    const uid = this.uids ? await this.uids.take() : null;
    if (this.uids && uid === null) throw new ProvisioningError('quota_exceeded', `all ${this.options.uidCount} sandbox uids are in use`, true);
    // Unique per attempt: a worker that took over an execution must not collide with what a dead one left.
    const name = `${base}-${randomBytes(3).toString('hex')}`;
    let workdir: Workdir | null = null;
    let cgroup: ExecutionCgroup | null = null;
    try {
      await claim(this.options.sandboxRoot, name); // before anything a sweeper could take for stale
      // With a disk limit the sandbox's /tmp is the uid's directory on its disk.
      const tmpDir = this.disk && uid !== null ? await this.disk.limit(uid, params.diskGb * GiB) : undefined;
      workdir = await createWorkdir(this.options.sandboxRoot, name, uid === null ? null : { uid, gid: uid }, tmpDir);
      const memoryLimitBytes = (params.memoryMb + params.runtimeOverheadMb) * 1024 * 1024;
      const cpuQuota = this.options.cpuLimit === 'cgroup' ? params.vcpus : null;
      cgroup = host.cgroups ? await host.cgroups.create(name, { memoryBytes: memoryLimitBytes, pidsMax: this.options.pidsMax, cpuQuota }) : null;
      if (priority !== 'normal') await cgroup?.setCpuPriority(priority);
      // The launcher joins its cgroups as the sandbox uid: only the membership files become its.
      if (cgroup && uid !== null) for (const procs of cgroup.procsFiles) chownSync(procs, uid, uid); // cgroupfs (cgroup-fs.ts)
      const parts = { name, workdir, uid, cgroup, disk: this.disk, network: params.network, memoryMb: params.memoryMb, memoryLimitBytes, runtimeOverheadMb: params.runtimeOverheadMb };
      const env = new LocalEnvironment(`local-${name}`, this.placementOf(params, host), parts, this.options, host, this.runnerDir);
      this.live.set(env.id, env);
      return env;
    } catch (err) {
      await cgroup?.remove().catch(() => undefined);
      if (this.disk && uid !== null) await this.disk.clear(uid).catch(() => undefined);
      if (workdir) await removeWorkdir(workdir.root).catch(() => undefined);
      await unclaim(this.options.sandboxRoot, name);
      if (uid !== null) await this.uids?.give(uid);
      if (err instanceof ProvisioningError) throw err; // e.g. no room for the disk: quota_exceeded, retryable
      const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
      throw new ProvisioningError(exists ? 'invalid_params' : 'boot_failed', `cannot prepare the sandbox: ${(err as Error).message}`, !exists);
    }
  }

  async release(env: Environment): Promise<void> {
    if (env instanceof WarmLease) return this.reuse.give(env.sandbox, env.sandbox.healthy);
    // Off the event's path: the outcome waits for release. Its replacement is made after it is
    // gone, with its uid back: a sandbox's start is then not on the next event's path either.
    if (env instanceof PooledLease) {
      this.loaders.heard(env.shape, env.sandbox.session?.loadedFormat ?? null);
      return void this.background(this.destroy(env.sandbox.env).finally(() => this.spawnPool.replace(env.shape)));
    }
    if (!(env instanceof LocalEnvironment)) throw new TypeError('not an environment of this provider');
    return this.destroy(env);
  }

  /** Kills and removes a sandbox; its uid goes back to the pool when nothing of it survived. */
  private async destroy(env: LocalEnvironment): Promise<void> {
    const clean = await env.dispose();
    if (clean) await unclaim(this.options.sandboxRoot, env.parts.name);
    if (this.live.get(env.id) === env) this.live.delete(env.id);
    // A uid whose processes could not all be killed is never handed out again by this process.
    if (clean && env.parts.uid !== null) await this.uids?.give(env.parts.uid);
  }

  environmentCounts(): Record<string, number> {
    const warm = this.reuse.counts();
    return { warm_busy: warm.busy, warm_idle: warm.idle, pool_ready: this.spawnPool.readyCount() };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.reuse.close(), this.spawnPool.close()]);
    while (this.destroying.size > 0) await Promise.allSettled([...this.destroying]);
    await Promise.all([...this.live.values()].map((env) => this.destroy(env)));
    await this.disk?.close();
  }

  /** Pre-started sandboxes ready for events of `params`' shape (tests, the start log). */
  preStartedCount(params: ProvisioningParams): number {
    return this.spawnPool.readyCount(shapeOf(params));
  }

  /** How a warm sandbox of `params`' function version is made and destroyed. */
  private warmHooks(params: ProvisioningParams): ReuseHooks<WarmSandbox> {
    return {
      create: async () => new WarmSandbox(await this.prepare(params, `warm-${dirNameOf(params.functionName).slice(0, 40)}`)),
      destroy: (sb) => this.destroy(sb.env),
    };
  }

  /** How a pre-started sandbox of `params`' shape is made: Node up and waiting, no code, no variables. */
  private poolHooks(params: ProvisioningParams, shapeKey: string): SpawnHooks<WarmSandbox> {
    const shape: Omit<ProvisioningParams, 'executionId'> = { ...params, projectId: '', functionName: '', functionVersion: 0, codeSha256: '' };
    return {
      create: async () => {
        const sb = new WarmSandbox(await this.prepare(shape, 'pool', 'background'));
        try {
          await sb.prestart(this.loaders.loadersFor(shapeKey));
        } catch (err) {
          await this.destroy(sb.env);
          throw err;
        }
        return sb;
      },
      destroy: (sb) => this.destroy(sb.env),
      usable: (sb) => sb.session?.alive === true,
    };
  }

  private background(p: Promise<void>): void {
    const q = p.catch(() => undefined).finally(() => this.destroying.delete(q));
    this.destroying.add(q);
  }

  private async available(): Promise<Host> {
    if (this.closed) throw new ProvisioningError('provider_unavailable', 'the local provider is closed', true);
    try {
      return await this.host();
    } catch (err) {
      throw new ProvisioningError('provider_unavailable', `the local sandbox cannot run here: ${(err as Error).message}`);
    }
  }

  private validate(p: Omit<ProvisioningParams, 'executionId'>): void {
    const bad = (m: string, field: string) => new ProvisioningError('invalid_params', m, false, field);
    if (!this.options.runtimes.includes(p.runtime)) throw bad(`runtime ${p.runtime} is not available here (${this.options.runtimes.join(', ')})`, 'runtime');
    if (!(p.memoryMb >= 16 && p.memoryMb <= this.options.maxMemoryMb)) throw bad(`memory must be from 16 to ${this.options.maxMemoryMb} MB here`, 'memory_mb');
    if (!(p.timeoutS > 0)) throw bad('the timeout must be positive', 'timeout_s');
    if (!(p.vcpus > 0)) throw bad('vcpus must be positive', 'vcpus');
    if (this.disk && !(p.diskGb >= 1 && p.diskGb <= this.options.maxDiskGb)) throw bad(`disk must be from 1 to ${this.options.maxDiskGb} GB here`, 'disk_gb');
    if (p.network && !this.hostGuard.installed) {
      throw bad(`network: true is refused here: sandboxes could reach the services listening on this machine (${this.hostGuard.reason}); use network: false`, 'network');
    }
  }

  /** Said once at start by the service: what this provider guards, and what it refuses. */
  async describeGuards(): Promise<Record<string, string>> {
    await this.available();
    return {
      network: this.hostGuard.installed ? `guarded (${this.hostGuard.tool})` : `refused: ${this.hostGuard.reason}`,
      disk: this.disk ? 'enforced (an ext4 filesystem of disk_gb per execution)' : 'not enforced (diskLimit: off)',
      cpu: this.options.cpuLimit === 'cgroup' ? 'enforced (cpu cgroup quota of vcpus)' : 'not enforced (cpuLimit: off)',
    };
  }

  /** What the tenant may know of where it ran: limits and mechanisms, nothing of the host's layout. */
  private placementOf(p: Omit<ProvisioningParams, 'executionId'>, host: Host): Placement {
    const memoryCgroup = host.cgroups?.memory === true;
    const pidsCgroup = host.cgroups?.pids === true;
    return {
      provider: 'local',
      details: {
        sandbox: 'bubblewrap',
        memoryLimitBytes: (p.memoryMb + p.runtimeOverheadMb) * 1024 * 1024,
        memoryLimit: memoryCgroup ? `cgroup ${host.cgroups?.version}` : 'heap size + address-space rlimit',
        pidsMax: this.options.pidsMax,
        pidsLimit: pidsCgroup ? `cgroup ${host.cgroups?.version}` : this.options.isolateUsers ? 'RLIMIT_NPROC' : 'none',
        network: p.network ? 'internet, no host-local services' : 'none',
        diskLimit: this.disk ? 'own filesystem of disk_gb' : 'none',
        cpuLimit: this.options.cpuLimit === 'cgroup' ? `cgroup ${host.cgroups?.version} quota of vcpus` : 'none',
        ownUser: this.options.isolateUsers,
        permissionModel: this.options.permissionModel,
        childProcesses: this.options.allowChildProcesses,
      },
    };
  }
}

/** What a pre-started sandbox is made with before it knows its event. */
function shapeOf(p: ProvisioningParams): string {
  return JSON.stringify([p.runtime, p.memoryMb, p.runtimeOverheadMb, p.vcpus, p.diskGb, p.network]);
}

/** Execution ids become directory and cgroup names; anything unusual is hashed. */
function dirNameOf(executionId: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$/.test(executionId) ? executionId : createHash('sha256').update(executionId).digest('hex').slice(0, 32);
}
