/**
 * The command line and environment that start one sandboxed executor (pure). The chain
 * execs from one program into the next, so the pid the supervisor spawned ends up being
 * node's own, and every step happens before any function code runs:
 *
 *   unshare [--mount] [--net | --user --map-current-user --net]    new namespaces
 *   sh -c '<setup>'     stdout+stderr merged into one pipe (exact arrival order),
 *                       join the cgroups, mount the view, set rlimits, cd into the code
 *   setpriv --reuid …   drop to the execution's uid/gid, no supplementary groups, no_new_privs
 *   node <flags> executor.js
 *
 * The setup exits with SETUP_FAILED (before the executor starts, hence a runner error).
 */
import type { Owner, Workdir } from './workdir.js';
import type { Tools } from './local-options.js';

export const SETUP_FAILED = 125;

export interface LaunchPlan {
  tools: Tools;
  nodeBinary: string;
  executorPath: string;
  runnerDir: string;
  workdir: Workdir;
  /** Drop to this uid/gid (needs root). */
  user: Owner | null;
  /** fstab for a private mount namespace (needs root), see mount-view. */
  fstab: string | null;
  /** Well-known directories (/tmp …) that the mount view turns into the run's own tmp/. */
  privateDirs: string[];
  /** `host`, a new network namespace as root (`netns`), or one inside an unprivileged user namespace (`userns`). */
  network: 'host' | 'netns' | 'userns';
  /** `cgroup.procs` files to join. */
  cgroupProcs: string[];
  /** RLIMIT_AS in KiB, when no memory cgroup limits the run. */
  addressSpaceKb: number | null;
  /** RLIMIT_NPROC, when no pids cgroup limits the run (only meaningful with an own uid). */
  nproc: number | null;
  maxOldSpaceMb: number | null;
  permissionModel: boolean;
  allowChildProcesses: boolean;
}

export function launchArgv(p: LaunchPlan): string[] {
  const ns: string[] = [];
  if (p.fstab) ns.push('--mount');
  if (p.network === 'netns') ns.push('--net');
  if (p.network === 'userns') ns.push('--user', '--map-current-user', '--net');
  const shell = [p.tools.sh, '-c', setupScript(p), 'fnstack-sandbox', p.nodeBinary, ...nodeFlags(p), p.executorPath];
  return ns.length > 0 ? [p.tools.unshare, ...ns, '--', ...shell] : shell;
}

export function setupScript(p: LaunchPlan): string {
  const fail = ` || exit ${SETUP_FAILED}`;
  const lines = ['exec 2>&1'];
  for (const procs of p.cgroupProcs) lines.push(`echo $$ > ${q(procs)}${fail}`);
  if (p.fstab) lines.push(`${q(p.tools.mount)} -a -T ${q(p.fstab)}${fail}`);
  lines.push('ulimit -c 0');
  if (p.addressSpaceKb !== null) lines.push(`ulimit -v ${p.addressSpaceKb}${fail}`);
  if (p.nproc !== null) lines.push(`ulimit -p ${p.nproc}${fail}`);
  lines.push(`cd ${q(p.workdir.codeDir)}${fail}`, 'unset PWD OLDPWD');
  if (p.user) {
    const { uid, gid } = p.user;
    lines.push(`exec ${q(p.tools.setpriv)} --reuid=${uid} --regid=${gid} --clear-groups --no-new-privs --inh-caps=-all -- "$@"`);
  } else lines.push('exec "$@"');
  return lines.join('\n');
}

export function nodeFlags(p: LaunchPlan): string[] {
  const flags: string[] = [];
  if (p.maxOldSpaceMb !== null) flags.push(`--max-old-space-size=${p.maxOldSpaceMb}`);
  if (p.permissionModel) {
    flags.push(
      '--experimental-permission',
      // The permission model's own warnings would show up in every function's logs.
      '--disable-warning=ExperimentalWarning',
      '--disable-warning=SecurityWarning',
      `--allow-fs-read=${p.workdir.root}`,
      // Node 20 mishandles an allowed path nested in another one: a runner bound inside a
      // private tmp dir is covered by that dir's own flag.
      ...(p.privateDirs.some((d) => p.runnerDir.startsWith(d + '/')) ? [] : [`--allow-fs-read=${p.runnerDir}`]),
      `--allow-fs-write=${p.workdir.tmpDir}`,
      ...p.privateDirs.flatMap((d) => [`--allow-fs-read=${d}`, `--allow-fs-write=${d}`]),
      '--allow-worker',
    );
    if (p.allowChildProcesses) flags.push('--allow-child-process', '--allow-addons');
  }
  return flags;
}

/** Variables the sandbox never takes from the function's own environment. */
const RESERVED = new Set(['NODE_OPTIONS', 'PATH', 'HOME', 'TMPDIR']);

/**
 * Exactly the function's variables (with the FNSTACK_* context) plus PATH/HOME/TMPDIR/LANG
 * pointing inside the sandbox. NODE_OPTIONS is dropped: it could widen the permission model.
 */
export function sandboxEnv(fnEnv: Record<string, string>, wd: Workdir): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(fnEnv)) if (!RESERVED.has(k) && typeof v === 'string') env[k] = v;
  return { LANG: 'C.UTF-8', ...env, PATH: '/usr/local/bin:/usr/bin:/bin', HOME: wd.tmpDir, TMPDIR: wd.tmpDir };
}

/** Single-quotes a word for sh. */
function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
