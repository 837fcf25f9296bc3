/** Configuration of the `local` provider: every field, its default, and the validation. */
import { dirname, join } from 'node:path';
import type { CgroupMode, CpuLimitMode } from './cgroups.js';
import { FIREWALL_DIRS } from './host-services-guard.js';

export interface LocalProviderOptions {
  /**
   * Directory holding one fresh working directory per execution, `<sandboxRoot>/<name>`, and
   * the runner copy the sandboxes read (`.runner/`). Required. With per-execution uids every
   * user must be able to traverse it and its ancestors (it is created 0711): the service
   * passes `/var/lib/fnstack/sandboxes` when root, `<dataDir>/sandboxes` otherwise.
   */
  sandboxRoot: string;
  /** Node binary that runs the executor. Default `process.execPath` (the service's own). */
  nodeBinary?: string;
  /** Run each execution as its own uid/gid (from `uidBase`). Needs root. Default: true when running as root. */
  isolateUsers?: boolean;
  /** First uid (and gid) of the per-execution range. Default 200000. */
  uidBase?: number;
  /** Size of the uid range: the most executions this provider runs at once. Default 1000. */
  uidCount?: number;
  /**
   * Directory of the lock files through which all service processes on this machine share
   * the uid range (`<dir>/<uid>` holds the owner's pid). Default `/run/fnstack/uids`.
   */
  uidLockDir?: string;
  /** Processes + threads one execution may have (cgroup pids.max, else RLIMIT_NPROC per uid). Default 64. */
  pidsMax?: number;
  /** Upper bound on captured stdout+stderr, bytes; the assignment's own cap applies below it. Default 1 MiB. */
  logLimitBytes?: number;
  /** Largest result a function may return, bytes of JSON. Default 32 MiB. */
  maxResultBytes?: number;
  /** `auto` (v2 when it delegates memory+pids, else v1, else none), `v1`, `v2` or `off`. Default `auto`. */
  cgroup?: CgroupMode;
  /** Name of the group, below this process's own cgroup, that holds the executions' groups. Default `fnstack`. */
  cgroupParent?: string;
  /**
   * How `vcpus` is enforced. `cgroup`: a CFS quota of vcpus × period in the cpu cgroup; a
   * host without a usable cpu controller refuses every function (fails closed). `off`: the
   * operator accepts functions running without a CPU cap (vcpus is only recorded). Default
   * `cgroup` when the service is root and cgroups are not off, else `off` (development mode).
   */
  cpuLimit?: CpuLimitMode;
  /**
   * How `disk_gb` is enforced. `loop`: each execution's tmp/ is an ext4 filesystem of
   * exactly disk_gb GiB in an image allocated for it (disk-quota.ts); needs root and loop
   * devices, else every function is refused (fails closed). `off`: the operator accepts
   * functions writing to the host's disk without a limit. Default `loop` with per-execution uids
   * (root), else `off` (development mode).
   */
  diskLimit?: 'loop' | 'off';
  /** Directory of the executions' disk images (root only, 0700). Default `<parent of sandboxRoot>/scratch`. */
  scratchDir?: string;
  /** Disk space (MiB) kept free beside the images; a disk that would eat into it is refused, retryable. Default 2048. */
  diskReserveMb?: number;
  /** Largest disk a function may declare here, GB (checked by `check`). Default 64. */
  maxDiskGb?: number;
  /** Node's permission model (`--experimental-permission`): fs access limited to the working directory. Default true. */
  permissionModel?: boolean;
  /**
   * May functions start child processes (and load native addons)? Both leave Node's
   * permission model, so by default they are allowed only when the OS layers (own uid,
   * mount namespace, cgroups) contain them: default `isolateUsers`.
   */
  allowChildProcesses?: boolean;
  /**
   * Without a memory cgroup the limit falls back to `--max-old-space-size` plus an
   * address-space rlimit of memory + runtime overhead + this headroom (MiB): Node reserves
   * far more address space than it uses and does not even start below ~800 MiB. Default 1024.
   * (WebAssembly needs ~10 GiB of address space and does not work under this fallback.)
   */
  addressSpaceHeadroomMb?: number;
  /**
   * Pass `--max-old-space-size=<memory>` even when a memory cgroup enforces the limit and
   * V8's own sizing (from the cgroup: at least ~259 MiB) already covers the declared memory,
   * i.e. up to 256 MB. It gives V8's GC the exact budget, but any V8 heap flag makes Node
   * reject the code cache embedded for its internal modules: ~10 ms more CPU per start
   * (measured), plus slower loading of builtins such as http. Default false.
   */
  alwaysLimitHeap?: boolean;
  /** Largest memory a function may declare here, MiB (checked by `check`). Default 4096. */
  maxMemoryMb?: number;
  /** Runtimes this provider can run. Default `nodejs<major of the service's Node>`. */
  runtimes?: string[];
  /** Paths of the helper programs. Defaults: /bin/sh, /usr/bin/bwrap, /usr/bin/setpriv. */
  tools?: Partial<Tools>;
  /** Where to look for iptables/ip6tables/nft for the host-services guard. Default /usr/sbin, /sbin, /usr/bin, /bin, /usr/local/sbin. */
  firewallDirs?: string[];
  /** CIDR ranges no sandbox may send to, even with network (host-services-guard.ts). Default none. */
  egressDeny?: string[];
  /** `isolation: reuse`: how long an idle warm sandbox is kept, ms. Default 60 000. */
  warmIdleMs?: number;
  /** `isolation: reuse`: warm sandboxes per function version. Default 4. */
  warmMaxPerFunction?: number;
  /** `isolation: reuse`: warm sandboxes per project. Default 8. */
  warmMaxPerProject?: number;
  /** Pre-started single-use sandboxes kept per shape for per-event functions (spawn-pool.ts); 0: none. Default 0. */
  poolSize?: number;
}

export interface Tools {
  sh: string;
  /** bubblewrap: the namespaces and the file system view of every sandbox. */
  bwrap: string;
  /** Kills a uid's processes where no cgroup holds them. */
  setpriv: string;
}

export type ResolvedOptions = Required<Omit<LocalProviderOptions, 'tools'>> & { tools: Tools };


export function resolveOptions(o: LocalProviderOptions, isRoot: boolean): ResolvedOptions {
  if (!o.sandboxRoot || !o.sandboxRoot.startsWith('/')) throw new TypeError('LocalProviderOptions.sandboxRoot must be an absolute path');
  const isolateUsers = o.isolateUsers ?? isRoot;
  if (isolateUsers && !isRoot) throw new TypeError('LocalProviderOptions.isolateUsers needs the service to run as root');
  const r: ResolvedOptions = {
    sandboxRoot: o.sandboxRoot.replace(/\/+$/, ''),
    nodeBinary: o.nodeBinary ?? process.execPath,
    isolateUsers,
    uidBase: o.uidBase ?? 200_000,
    uidCount: o.uidCount ?? 1000,
    uidLockDir: o.uidLockDir ?? '/run/fnstack/uids',
    pidsMax: o.pidsMax ?? 64,
    logLimitBytes: o.logLimitBytes ?? 1024 * 1024,
    maxResultBytes: o.maxResultBytes ?? 32 * 1024 * 1024,
    cgroup: o.cgroup ?? 'auto',
    cgroupParent: o.cgroupParent ?? 'fnstack',
    cpuLimit: o.cpuLimit ?? (isRoot && o.cgroup !== 'off' ? 'cgroup' : 'off'),
    diskLimit: o.diskLimit ?? (isolateUsers ? 'loop' : 'off'),
    scratchDir: (o.scratchDir ?? join(dirname(o.sandboxRoot.replace(/\/+$/, '')), 'scratch')).replace(/\/+$/, ''),
    diskReserveMb: o.diskReserveMb ?? 2048,
    maxDiskGb: o.maxDiskGb ?? 64,
    permissionModel: o.permissionModel ?? true,
    allowChildProcesses: o.allowChildProcesses ?? isolateUsers,
    addressSpaceHeadroomMb: o.addressSpaceHeadroomMb ?? 1024,
    alwaysLimitHeap: o.alwaysLimitHeap ?? false,
    maxMemoryMb: o.maxMemoryMb ?? 4096,
    runtimes: o.runtimes ?? [`nodejs${process.versions.node.split('.')[0]}`],
    tools: { sh: '/bin/sh', bwrap: '/usr/bin/bwrap', setpriv: '/usr/bin/setpriv', ...o.tools },
    firewallDirs: o.firewallDirs ?? FIREWALL_DIRS,
    egressDeny: o.egressDeny ?? [],
    warmIdleMs: o.warmIdleMs ?? 60_000,
    warmMaxPerFunction: o.warmMaxPerFunction ?? 4,
    warmMaxPerProject: o.warmMaxPerProject ?? 8,
    poolSize: o.poolSize ?? 0,
  };
  for (const key of ['uidBase', 'uidCount', 'pidsMax', 'logLimitBytes', 'maxResultBytes', 'addressSpaceHeadroomMb', 'maxMemoryMb', 'maxDiskGb', 'warmIdleMs', 'warmMaxPerFunction', 'warmMaxPerProject'] as const) {
    if (!Number.isInteger(r[key]) || r[key] < 1) throw new TypeError(`LocalProviderOptions.${key} must be a positive integer`);
  }
  if (!Number.isInteger(r.poolSize) || r.poolSize < 0) throw new TypeError('LocalProviderOptions.poolSize must be a whole number');
  if (!Number.isInteger(r.diskReserveMb) || r.diskReserveMb < 0) throw new TypeError('LocalProviderOptions.diskReserveMb must be a whole number of MiB');
  if (!['cgroup', 'off'].includes(r.cpuLimit)) throw new TypeError('LocalProviderOptions.cpuLimit must be cgroup or off');
  if (!['loop', 'off'].includes(r.diskLimit)) throw new TypeError('LocalProviderOptions.diskLimit must be loop or off');
  if (!r.scratchDir.startsWith('/')) throw new TypeError('LocalProviderOptions.scratchDir must be an absolute path');
  if (r.scratchDir === r.sandboxRoot || r.scratchDir.startsWith(r.sandboxRoot + '/')) {
    throw new TypeError('LocalProviderOptions.scratchDir must be outside sandboxRoot (the stale sweeper removes whatever it does not know there)');
  }
  if (!['auto', 'v1', 'v2', 'off'].includes(r.cgroup)) throw new TypeError(`LocalProviderOptions.cgroup must be auto, v1, v2 or off`);
  if (!/^[A-Za-z0-9_.-]+$/.test(r.cgroupParent)) throw new TypeError('LocalProviderOptions.cgroupParent must be a plain name');
  return r;
}
