/**
 * Runs one executor to a final RunOutcome. The caller supplies the command (a sandbox
 * prefix + node + executor for the local provider, plain node inside a VM), and the
 * supervisor feeds the assignment on fd 3, captures stdout+stderr in arrival order up to
 * the assignment's cap, enforces the deadline by killing the whole process tree, and
 * classifies how the run ended. Node builtins only: it ships into VMs with the executor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { classifyRun, type Observation } from './classify-run.js';
import { OutputCapture } from './output-capture.js';
import { initBoundMs, initMsOf, type Assignment, type FailureInfo, type OutputListener, type RunOutcome, type SignedRunnerMessage } from './protocol.js';

/** Absolute path of the compiled executor entry, next to this file. */
export const EXECUTOR_PATH = join(dirname(fileURLToPath(import.meta.url)), 'executor.js');
/** The directory the executor and its modules live in (the sandbox must let it be read). */
export const RUNNER_DIR = dirname(EXECUTOR_PATH);

export interface SandboxHooks {
  /**
   * Kills every process the run may have left, beyond the process group the supervisor
   * kills itself (a cgroup, a uid). Called on timeout, on abort and after the main process
   * exited (so that grandchildren holding the output pipes cannot keep the run open).
   */
  killAll?(): Promise<void>;
  /** What the sandbox saw: an OOM kill, and the peak memory of the whole run. */
  inspect?(): Promise<{ outOfMemory: boolean; peakMemoryBytes?: number }>;
}

export interface LaunchSpec {
  /** Full argv: e.g. `[...sandboxPrefix, node, ...nodeFlags, EXECUTOR_PATH]`. */
  argv: string[];
  /**
   * The code directory. Node takes the module format of a `.js` file from the nearest
   * package.json, even one above this directory: the caller must bound the scope with a
   * `{}` package.json in its parent (as the local provider's working directory does), or a
   * CommonJS handler without its own package.json may be loaded as ESM.
   */
  cwd: string;
  /** The complete environment of the process (nothing is inherited). */
  env: Record<string, string>;
  /** Start the process as this uid/gid (no supplementary groups), e.g. a sandbox's own. */
  uid?: number;
  gid?: number;
  /** Written to the process's stdin, which is then closed (default: no stdin at all). */
  stdin?: Buffer;
  /** Data for the process to read from fds 4, 5, …: each a pipe, closed once written. */
  inputs?: Buffer[];
  /**
   * The command is a launcher (bubblewrap) that reports a child killed by signal N as exit
   * code 128 + N: read such codes back as that signal.
   */
  signalExitCodes?: boolean;
  hooks?: SandboxHooks;
}

export interface SuperviseOptions {
  /** Largest message the executor may send (its result), bytes. Default 32 MiB. */
  maxMessageBytes?: number;
  /** How long to wait for the output pipes to drain after the process ended, ms. Default 1000. */
  drainMs?: number;
  /**
   * How long the sandbox and the runner may take to start, ms, before the run is given up
   * as a runner error. The function's timeout counts only from the runner's `started`.
   * Default 30000.
   */
  startupMs?: number;
  /** Sees the captured output as it comes (live logs); never more than the assignment's cap. */
  onOutput?: OutputListener;
}

export function supervise(assignment: Assignment, spec: LaunchSpec, signal?: AbortSignal, options: SuperviseOptions = {}): Promise<RunOutcome> {
  return new Run(assignment, spec, options).start(signal);
}

class Run {
  private readonly capture: OutputCapture;
  private readonly startedAt = Date.now();
  private child: ChildProcess | null = null;
  private report: Observation['report'] = null;
  private started = false;
  /** Echoed by the executor on every message; what lacks it was written by function code. */
  private readonly token = randomBytes(16).toString('hex');
  private deadlineTimer: NodeJS.Timeout | null = null;
  private startupTimedOut = false;
  private protocolError: FailureInfo | null = null;
  private spawnError: string | null = null;
  private timedOut = false;
  private initTimedOut = false;
  private initMs: number | undefined;
  private aborted: string | null = null;
  private killing: Promise<void> | null = null;

  constructor(
    private readonly assignment: Assignment,
    private readonly spec: LaunchSpec,
    private readonly options: SuperviseOptions,
  ) {
    this.capture = new OutputCapture(assignment.logLimitBytes, options.onOutput);
  }

  async start(signal?: AbortSignal): Promise<RunOutcome> {
    const [cmd, ...args] = this.spec.argv;
    if (!cmd) throw new TypeError('supervise: empty argv');
    let child: ChildProcess;
    try {
      const { uid, gid, stdin, inputs = [] } = this.spec;
      child = spawn(cmd, args, {
        cwd: this.spec.cwd,
        env: this.spec.env,
        stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe', ...inputs.map(() => 'pipe' as const)],
        detached: true,
        ...(uid !== undefined ? { uid, gid: gid ?? uid } : {}),
      });
      // stdin (when given) and fds 4, 5, …: written whole, then closed
      const feeds = [...(stdin ? [stdin] : []), ...inputs];
      const streams = [...(stdin ? [child.stdin] : []), ...inputs.map((_, i) => child.stdio[4 + i])] as Array<Writable | null>;
      feeds.forEach((data, i) => {
        streams[i]?.on('error', () => undefined); // EPIPE when the launcher dies first
        streams[i]?.end(data);
      });
    } catch (err) {
      this.spawnError = (err as Error).message;
      return this.classify({ code: null, signal: null }, { outOfMemory: false });
    }
    this.child = child;
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.once('error', (err) => {
        this.spawnError ??= err.message;
        resolve({ code: null, signal: null });
      });
      child.once('exit', (code, sig) => resolve({ code, signal: sig }));
    });
    const streams = [child.stdout, child.stderr, child.stdio[3]].filter((s): s is Readable => s !== null && s !== undefined);
    const closed = Promise.all(streams.map((s) => new Promise<void>((r) => s.once('close', () => r()))));
    child.stdout?.on('data', (c: Buffer) => this.capture.push(c));
    child.stderr?.on('data', (c: Buffer) => this.capture.push(c));
    this.listen(child.stdio[3] as (Readable & Writable) | null);

    const onAbort = () => {
      this.aborted = signal?.reason instanceof Error ? signal.reason.message : String(signal?.reason ?? '');
      void this.kill();
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const startup = setTimeout(() => {
      if (this.started) return;
      this.startupTimedOut = true;
      void this.kill();
    }, this.options.startupMs ?? 30_000);

    const exit = await exited;
    clearTimeout(startup);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    signal?.removeEventListener('abort', onAbort);
    await this.kill(); // leftovers of a finished run must not hold the pipes open
    await Promise.race([closed, delay(this.options.drainMs ?? 1000)]);
    for (const s of streams) s.destroy();
    const seen = (await this.spec.hooks?.inspect?.().catch(() => undefined)) ?? { outOfMemory: false };
    return this.classify(exit, seen);
  }

  /**
   * Two deadlines, one after the other: from the runner's `started`, loading the module has
   * its own bound (initBoundMs); from its `loaded`, the function's timeout runs, as the
   * executor's own deadline does.
   */
  private startDeadline(phase: 'init' | 'run'): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    const timeoutS = this.assignment.context.timeoutS;
    const ms = Math.min(Math.max(0, phase === 'init' ? initBoundMs(timeoutS) : timeoutS * 1000), 2 ** 31 - 1);
    this.deadlineTimer = setTimeout(() => {
      this.initTimedOut = phase === 'init';
      // Whatever was reported, a process still running at its deadline has timed out: the
      // executor exits right after its report, so a report followed by more running time
      // did not come from it.
      this.timedOut = true;
      void this.kill();
    }, ms);
  }

  private classify(exit: { code: number | null; signal: string | null }, seen: { outOfMemory: boolean; peakMemoryBytes?: number }): RunOutcome {
    let { code, signal } = exit;
    if (this.spec.signalExitCodes && signal === null && code !== null && code > 128 && code < 128 + 65) {
      signal = Object.entries(constants.signals).find(([, n]) => n === code! - 128)?.[0] ?? null;
      if (signal) code = null;
    }
    // A report counts only from a process that then ended by itself, in time, with status 0.
    const trusted = this.report && !this.timedOut && code === 0 && this.aborted === null ? this.report : null;
    const spawnError = this.spawnError ?? (this.startupTimedOut ? `the runner did not come up within ${(this.options.startupMs ?? 30_000) / 1000} s` : null);
    return classifyRun({
      report: trusted,
      started: this.started,
      exitCode: code,
      signal,
      spawnError,
      protocolError: this.protocolError,
      timedOut: this.timedOut,
      initTimedOut: this.initTimedOut,
      ...(this.initMs !== undefined ? { initMs: this.initMs } : {}),
      aborted: this.aborted,
      outOfMemory: seen.outOfMemory || this.capture.sawHeapOutOfMemory,
      timeoutS: this.assignment.context.timeoutS,
      memoryMb: this.assignment.context.memoryMb,
      logs: this.capture.text(),
      logsTruncated: this.capture.truncated,
      peakMemoryBytes: seen.peakMemoryBytes,
      startedAt: this.startedAt,
      finishedAt: Date.now(),
    });
  }

  /** Sends the assignment and reads newline-delimited RunnerMessages back. */
  private listen(channel: (Readable & Writable) | null): void {
    if (!channel) return;
    channel.on('error', () => undefined); // EPIPE when the process dies first
    channel.write(JSON.stringify({ type: 'assignment', assignment: this.assignment, token: this.token }) + '\n');
    const max = this.options.maxMessageBytes ?? 32 * 1024 * 1024;
    let pending: Buffer[] = [];
    let size = 0;
    channel.on('data', (chunk: Buffer) => {
      if (this.protocolError) return;
      let rest = chunk;
      for (let nl = rest.indexOf(10); nl >= 0; nl = rest.indexOf(10)) {
        pending.push(rest.subarray(0, nl));
        this.onLine(Buffer.concat(pending).toString('utf8'));
        pending = [];
        size = 0;
        rest = rest.subarray(nl + 1);
      }
      size += rest.length;
      if (size <= max) pending.push(rest);
      else if (!this.report) {
        this.protocolError = { kind: 'result_not_serializable', message: `the result is larger than the limit of ${max} bytes` };
        pending = [];
        void this.kill();
      }
    });
  }

  private onLine(line: string): void {
    let msg: SignedRunnerMessage;
    try {
      msg = JSON.parse(line) as SignedRunnerMessage;
    } catch {
      return; // not the executor's: function code may write to fd 3 too
    }
    if (msg?.token !== this.token) return; // likewise
    const { token: _, ...message } = msg;
    if (message.type === 'started' && !this.started) {
      this.started = true;
      this.startDeadline('init');
    } else if (message.type === 'loaded' && this.started && this.initMs === undefined && !this.report) {
      this.initMs = initMsOf(message.initMs, this.assignment.context.timeoutS);
      this.startDeadline('run');
    } else if ((message.type === 'result' || message.type === 'failure') && !this.report) this.report = message;
  }

  private kill(): Promise<void> {
    this.killing ??= (async () => {
      const pid = this.child?.pid;
      if (pid !== undefined) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // the group is already gone
        }
      }
      await this.spec.hooks?.killAll?.().catch(() => undefined);
    })().finally(() => {
      this.killing = null;
    });
    return this.killing;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
