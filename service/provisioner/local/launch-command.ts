/**
 * The command line, environment and bubblewrap arguments that start one sandboxed executor
 * (pure). Nothing in the chain runs as root: the supervisor spawns it directly as the
 * execution's uid (Node drops to it between fork and exec), with an environment the service
 * builds; the function's own variables travel only inside bubblewrap's argument stream (on
 * stdin, never on a command line) and are set by bubblewrap on the node process alone.
 *
 *   sh -c '<setup>'     as the execution's uid: stdout+stderr merged into one pipe (exact
 *                       arrival order), join the cgroups (their cgroup.procs are the uid's),
 *                       set rlimits
 *   bwrap --args 0      new user, pid, ipc, uts, cgroup [and network] namespaces; a root of
 *                       its own holding only /usr, a few files of /etc, the code (read-only at
 *                       /var/task), the runner (read-only at /opt/fnstack/runner) and the
 *                       execution's tmp/ at /tmp; no capabilities, no_new_privs, no further
 *                       user namespaces, a new session, killed with its parent, a
 *                       seccomp filter (seccomp.ts)
 *   node <flags> /opt/fnstack/runner/executor.cjs (or warm-executor.cjs)
 *
 * The setup exits with SETUP_FAILED (before the executor starts, hence a runner error).
 */
import { ENV_NAME_PATTERN, refusalOf } from '../../env-policy.js';
import type { Workdir } from './workdir.js';
import type { Tools } from './local-options.js';
import { WARM_UP_ARG, type ModuleFormat } from '../../runner/protocol.js';

export const SETUP_FAILED = 125;

/** Where things are inside every sandbox: the same for every execution, nothing of the host's layout. */
export const INSIDE = {
  code: '/var/task',
  tmp: '/tmp',
  runner: '/opt/fnstack/runner',
  node: '/opt/fnstack/bin/node',
} as const;

export interface LaunchPlan {
  tools: Tools;
  /** The node binary on the host; bound at INSIDE.node unless it lives under /usr. */
  nodeBinary: string;
  /** The runner directory on the host (readable by the sandbox uid), bound at INSIDE.runner. */
  runnerDir: string;
  workdir: Workdir;
  /** The execution's own uid/gid (the service is root), or null: the service's own uid. */
  user: { uid: number; gid: number } | null;
  network: boolean;
  /** `cgroup.procs` files to join (owned by the execution's uid). */
  cgroupProcs: string[];
  /** RLIMIT_AS in KiB, when no memory cgroup limits the run. */
  addressSpaceKb: number | null;
  /** RLIMIT_NPROC, when no pids cgroup limits the run (only meaningful with an own uid). */
  nproc: number | null;
  maxOldSpaceMb: number | null;
  permissionModel: boolean;
  allowChildProcesses: boolean;
  /** The host's top-level directories that are links into /usr (merged /usr), e.g. bin → usr/bin. */
  usrLinks: Record<string, string>;
  /** The fd bubblewrap reads the seccomp filter from (see seccomp.ts), or null for none. */
  seccompFd: number | null;
  /** The runner's entry, bundled by the build: `executor.cjs` (one run, the default) or `warm-executor.cjs` (a long-lived or pre-started sandbox). */
  entry?: 'executor.cjs' | 'warm-executor.cjs';
  /** The loaders warm-executor.cjs warms before it says ready (its own default: both). */
  warmUp?: readonly ModuleFormat[];
}

/** Files and directories of the host's /etc a program may need (loader, TLS, DNS, time zone). */
const ETC = ['ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'ssl', 'ca-certificates', 'alternatives', 'resolv.conf', 'hosts', 'host.conf', 'gai.conf', 'nsswitch.conf', 'localtime', 'timezone', 'mime.types'];

/** bubblewrap takes its options from stdin (`--args 0`), the command from its command line. */
export function launchArgv(p: LaunchPlan): string[] {
  const entry = [`${INSIDE.runner}/${p.entry ?? 'executor.cjs'}`];
  if (p.entry === 'warm-executor.cjs' && p.warmUp) entry.push(WARM_UP_ARG + p.warmUp.join(','));
  return [p.tools.sh, '-c', setupScript(p), 'fnstack-sandbox', p.tools.bwrap, '--args', '0', '--', nodeInside(p.nodeBinary), ...nodeFlags(p), ...entry];
}

export function setupScript(p: LaunchPlan): string {
  const fail = ` || exit ${SETUP_FAILED}`;
  const lines = ['exec 2>&1'];
  for (const procs of p.cgroupProcs) lines.push(`echo $$ > ${q(procs)}${fail}`);
  lines.push('ulimit -c 0');
  if (p.addressSpaceKb !== null) lines.push(`ulimit -v ${p.addressSpaceKb}${fail}`);
  if (p.nproc !== null) lines.push(`ulimit -p ${p.nproc}${fail}`); // dash: -p is RLIMIT_NPROC
  lines.push('cd /', 'exec "$@"');
  return lines.join('\n');
}

/** bubblewrap's options, to be sent NUL-separated on its stdin: they hold the function's variables. */
export function bwrapArgs(p: LaunchPlan, fnEnv: Record<string, string>): string[] {
  const a: string[] = ['--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];
  if (!p.network) a.push('--unshare-net');
  if (p.user) a.push('--uid', String(p.user.uid), '--gid', String(p.user.gid));
  a.push('--disable-userns', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--hostname', 'fnstack');
  if (p.seccompFd !== null) a.push('--seccomp', String(p.seccompFd));
  a.push('--ro-bind', '/usr', '/usr');
  for (const [link, target] of Object.entries(p.usrLinks)) a.push('--symlink', target, link);
  for (const f of ETC) a.push('--ro-bind-try', `/etc/${f}`, `/etc/${f}`);
  a.push('--ro-bind', p.workdir.passwd, '/etc/passwd', '--ro-bind', p.workdir.group, '/etc/group');
  // /dev read-only but for its own shared-memory tmpfs (private, charged to the memory cgroup).
  a.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  a.push('--bind', p.workdir.tmpDir, INSIDE.tmp, '--symlink', INSIDE.tmp, '/var/tmp');
  // No package.json above /var/task: the root is an empty tmpfs, so a `.js` file is CommonJS unless the code says otherwise.
  a.push('--ro-bind', p.workdir.codeDir, INSIDE.code);
  a.push('--ro-bind', p.runnerDir, INSIDE.runner);
  if (nodeInside(p.nodeBinary) === INSIDE.node) a.push('--ro-bind', p.nodeBinary, INSIDE.node);
  a.push('--remount-ro', '/', '--chdir', INSIDE.code, '--clearenv');
  for (const [k, v] of Object.entries(sandboxEnv(fnEnv))) a.push('--setenv', k, v);
  return a;
}

export function nodeInside(nodeBinary: string): string {
  return nodeBinary.startsWith('/usr/') ? nodeBinary : INSIDE.node;
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
      `--allow-fs-read=${INSIDE.code}`,
      `--allow-fs-read=${INSIDE.runner}`,
      `--allow-fs-read=${INSIDE.tmp}`,
      `--allow-fs-write=${INSIDE.tmp}`,
      '--allow-worker',
    );
    if (p.allowChildProcesses) flags.push('--allow-child-process', '--allow-addons');
  }
  return flags;
}

/** What the launcher itself (sh, bubblewrap) runs with: built here, nothing of the function's. */
export const LAUNCHER_ENV: Readonly<Record<string, string>> = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };

/**
 * Variables the sandbox never takes from the function's environment, should one get past the
 * API (env-policy.ts): the sandbox sets PATH/HOME/TMPDIR itself, and the rest steer the loader,
 * libc or Node from outside. FNSTACK_* are the service's own context variables.
 */
export function droppedVariable(name: string): boolean {
  if (!ENV_NAME.test(name)) return true;
  return name.startsWith('FNSTACK_') ? false : refusalOf(name) !== null;
}

const ENV_NAME = new RegExp(ENV_NAME_PATTERN);

/**
 * Exactly the function's variables (with the FNSTACK_* context) plus PATH/HOME/TMPDIR/LANG
 * pointing inside the sandbox.
 */
export function sandboxEnv(fnEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(fnEnv)) if (!droppedVariable(k) && typeof v === 'string' && !v.includes('\0')) env[k] = v;
  return { LANG: 'C.UTF-8', ...env, PATH: '/usr/local/bin:/usr/bin:/bin', HOME: INSIDE.tmp, TMPDIR: INSIDE.tmp };
}

/** Single-quotes a word for sh. */
function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
