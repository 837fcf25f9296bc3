/**
 * Helpers for running real functions in the real local sandbox: a throw-away data dir
 * (0700, like the service's), read-only code trees shaped like the code cache, and an
 * `invoke` that goes acquire → run → release the way the orchestrator does.
 */
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { LocalProvider, type LocalProviderOptions } from '../../service/provisioner/local/local-provider.js';
import type { LocalEnvironment } from '../../service/provisioner/local/local-environment.js';
import type { ProvisioningParams } from '../../service/provisioner/provider.js';
import type { Assignment, RunOutcome } from '../../service/runner/protocol.js';
import { requireService } from '../_helpers/requirements.js';

export const isRoot = process.getuid?.() === 0;
export const RUNTIME = `nodejs${process.versions.node.split('.')[0]}`;

/** Fails under CI=true, logs a skip elsewhere, when the sandbox's root-only layers are missing. */
export function requireRoot(t: ExecutionContext): boolean {
  return requireService(t, 'root (sandbox uids, mount and network namespaces)', isRoot);
}

export async function requireCgroups(t: ExecutionContext, provider: LocalProvider): Promise<boolean> {
  const host = await provider.host();
  return requireService(t, 'writable memory and pids cgroups', host.cgroups?.memory === true && host.cgroups.pids === true);
}

export interface Sandbox {
  provider: LocalProvider;
  /** Stands for the service's data dir: mode 0700. */
  dataDir: string;
  /** Where the provider makes its sandboxes (outside the data dir as root). */
  sandboxRoot: string;
  /** Makes a read-only code tree (like `<dataDir>/code/<sha>`) holding `files`. */
  code(files: Record<string, string | Buffer>): Promise<string>;
  invoke(files: Record<string, string | Buffer>, handler: string, opts?: InvokeOptions): Promise<Invocation>;
  close(): Promise<void>;
}

export interface InvokeOptions {
  timeoutS?: number;
  memoryMb?: number;
  diskGb?: number;
  vcpus?: number;
  network?: boolean;
  data?: unknown;
  env?: Record<string, string>;
  logLimitBytes?: number;
  /** Runs after `run` and before `release`, e.g. to look at the cgroup or leftover processes. */
  beforeRelease?: (env: LocalEnvironment, outcome: RunOutcome) => Promise<void>;
  /** Called once the environment exists, before the run starts. */
  onAcquired?: (env: LocalEnvironment) => void;
}

export interface Invocation {
  outcome: RunOutcome;
  env: LocalEnvironment;
  ms: number;
}

/**
 * Data dirs live outside /tmp when we are root, as the service's do, so that the sandbox's
 * private /tmp is exercised too.
 */
async function newDataDir(): Promise<string> {
  const base = isRoot ? '/var/lib/fnstack-test' : tmpdir();
  await mkdir(base, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(base, 'data-'));
  await chmod(dir, 0o700);
  return dir;
}

/** As the service does: as root the sandboxes live where their uids can traverse, not in the 0700 data dir. */
export function sandboxRootFor(dataDir: string): string {
  return isRoot ? join('/var/lib/fnstack/test-sandboxes', basename(dataDir)) : join(dataDir, 'sandboxes');
}

export async function sandbox(options: Partial<LocalProviderOptions> = {}, defaults: InvokeOptions = {}): Promise<Sandbox> {
  const dataDir = await newDataDir();
  const sandboxRoot = sandboxRootFor(dataDir);
  const provider = new LocalProvider({ sandboxRoot, ...options });
  let n = 0;
  const code = async (files: Record<string, string | Buffer>) => {
    const dir = join(dataDir, 'code', `c${++n}`);
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true, mode: 0o755 });
      await writeFile(join(dir, name), text, { mode: 0o444 });
    }
    return dir;
  };
  return {
    provider,
    dataDir,
    sandboxRoot,
    code,
    invoke: async (files, handler, given = {}) => {
      const opts = { ...defaults, ...given };
      const dir = await code(files);
      const p = params(opts);
      const started = Date.now();
      const env = (await provider.acquire(p)) as LocalEnvironment;
      opts.onAcquired?.(env);
      try {
        const outcome = await env.run(assignment(p, handler, dir, opts));
        await opts.beforeRelease?.(env, outcome);
        return { outcome, env, ms: Date.now() - started };
      } finally {
        await provider.release(env);
      }
    },
    close: async () => {
      await provider.close();
      await rm(dataDir, { recursive: true, force: true });
      if (sandboxRoot !== join(dataDir, 'sandboxes')) await rm(sandboxRoot, { recursive: true, force: true });
    },
  };
}

export function params(opts: InvokeOptions = {}): ProvisioningParams {
  return {
    executionId: `ex-${randomUUID()}`,
    projectId: 'p1',
    functionName: 'fn',
    functionVersion: 1,
    runtime: RUNTIME,
    memoryMb: opts.memoryMb ?? 128,
    vcpus: opts.vcpus ?? 1,
    diskGb: opts.diskGb ?? 1,
    timeoutS: opts.timeoutS ?? 10,
    network: opts.network ?? true,
    runtimeOverheadMb: 64,
  };
}

export function assignment(p: ProvisioningParams, handler: string, codeDir: string, opts: InvokeOptions = {}): Assignment {
  return {
    executionId: p.executionId,
    handler,
    code: { dir: codeDir, sha256: 'test' },
    event: { specversion: '1.0', id: randomUUID(), source: 'test', type: 'test.invoke', data: opts.data ?? null },
    env: {
      ...opts.env,
      FNSTACK_FUNCTION_NAME: p.functionName,
      FNSTACK_FUNCTION_VERSION: String(p.functionVersion),
      FNSTACK_EXECUTION_ID: p.executionId,
    },
    context: {
      functionName: p.functionName,
      functionVersion: p.functionVersion,
      memoryMb: p.memoryMb,
      timeoutS: p.timeoutS,
      deadline: Date.now() + p.timeoutS * 1000,
    },
    logLimitBytes: opts.logLimitBytes ?? 64 * 1024,
  };
}

/** Whether a process with this (host) pid is still alive (zombies count as gone). */
export function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
