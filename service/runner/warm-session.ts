/**
 * The supervisor of a long-lived executor (warm-executor.ts): the process is started once,
 * before any event, and then runs assignments one at a time, each to its own RunOutcome —
 * its own logs (cut at the log fence), its own deadline, its own classification.
 *
 * Whatever ends the process during a run (a crash, the deadline, an OOM kill, an abort)
 * ends the session: that run is classified the way `supervise` classifies a one-shot run,
 * and the session is dead (`alive` false); the owner replaces it. Node builtins only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { classifyRun } from './classify-run.js';
import { OutputCapture } from './output-capture.js';
import { initBoundMs, initMsOf, logFence, type Assignment, type FailureInfo, type OutputListener, type ModuleFormat, type RunnerMessage, type RunOutcome, type SignedRunnerMessage } from './protocol.js';
import type { LaunchSpec, SuperviseOptions } from './supervisor.js';

type Report = Extract<RunnerMessage, { type: 'result' | 'failure' }>;

interface ActiveRun {
  assignment: Assignment;
  capture: OutputCapture;
  fence: Buffer;
  startedAt: number;
  started: boolean;
  report: Report | null;
  fenced: boolean;
  timedOut: boolean;
  initTimedOut: boolean;
  /** From the executor's `loaded`. */
  initMs: number | undefined;
  deadline: NodeJS.Timeout | null;
  startupTimedOut: boolean;
  aborted: string | null;
  protocolError: FailureInfo | null;
  timers: NodeJS.Timeout[];
  done: (outcome: RunOutcome) => void;
}

const MAX_IDLE_OUTPUT = 64 * 1024;

export class WarmSession {
  private child: ChildProcess | null = null;
  private readonly token = randomBytes(16).toString('hex');
  private run: ActiveRun | null = null;
  private exit: { code: number | null; signal: string | null } | null = null;
  private spawnError: string | null = null;
  private readyWaiters: Array<() => void> = [];
  private out: Buffer = Buffer.alloc(0);
  private killing: Promise<void> | null = null;
  /** The executor said its last report: it ends and takes no other event. */
  private retiring = false;
  /** Node is up and waits for an assignment. */
  ready = false;
  /** Assignments this session has been given. */
  runs = 0;
  /** The loader that loaded the handler, as the executor said in its last `loaded` (the function's own code could have said it too). */
  loadedFormat: ModuleFormat | null = null;

  constructor(
    private readonly spec: LaunchSpec,
    private readonly options: SuperviseOptions = {},
  ) {}

  get alive(): boolean {
    return this.child !== null && this.exit === null && this.spawnError === null && this.killing === null && !this.retiring;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process; resolves once it said `ready` (or died trying: then `alive` is false). */
  start(): Promise<void> {
    const [cmd, ...args] = this.spec.argv;
    if (!cmd) throw new TypeError('WarmSession: empty argv');
    const { uid, gid, stdin, inputs = [] } = this.spec;
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, {
        cwd: this.spec.cwd,
        env: this.spec.env,
        stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe', ...inputs.map(() => 'pipe' as const)],
        detached: true,
        ...(uid !== undefined ? { uid, gid: gid ?? uid } : {}),
      });
    } catch (err) {
      this.spawnError = (err as Error).message;
      return Promise.resolve();
    }
    this.child = child;
    const feeds = [...(stdin ? [stdin] : []), ...inputs];
    const streams = [...(stdin ? [child.stdin] : []), ...inputs.map((_, i) => child.stdio[4 + i])] as Array<Writable | null>;
    feeds.forEach((data, i) => {
      streams[i]?.on('error', () => undefined);
      streams[i]?.end(data);
    });
    child.once('error', (err) => {
      this.spawnError ??= err.message;
      this.onExit({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => this.onExit({ code, signal }));
    child.stdout?.on('data', (c: Buffer) => this.onOutput(c));
    child.stderr?.on('data', (c: Buffer) => this.onOutput(c));
    this.listen(child.stdio[3] as (Readable & Writable) | null);
    const startup = setTimeout(() => void this.kill(), this.options.startupMs ?? 30_000);
    startup.unref();
    return new Promise<void>((resolve) => {
      this.readyWaiters.push(() => {
        clearTimeout(startup);
        resolve();
      });
    });
  }

  /** Runs one assignment to its outcome; never throws for what the function did. `onOutput` sees its logs live. */
  async runOnce(assignment: Assignment, signal?: AbortSignal, onOutput?: OutputListener): Promise<RunOutcome> {
    if (this.run) throw new Error('WarmSession: a run is already in progress');
    const startedAt = Date.now();
    if (!this.alive) {
      return classifyRun({ ...this.observation(assignment, startedAt), spawnError: this.spawnError ?? 'the sandbox is no longer running' });
    }
    this.runs++;
    const outcome = new Promise<RunOutcome>((done) => {
      this.run = {
        assignment,
        capture: new OutputCapture(assignment.logLimitBytes, onOutput),
        fence: Buffer.from(logFence(this.token, assignment.executionId)),
        startedAt,
        started: false,
        report: null,
        fenced: false,
        timedOut: false,
        initTimedOut: false,
        initMs: undefined,
        deadline: null,
        startupTimedOut: false,
        aborted: null,
        protocolError: null,
        timers: [],
        done,
      };
    });
    const run = this.run!;
    this.drainOutput();
    const onAbort = () => {
      run.aborted = signal?.reason instanceof Error ? signal.reason.message : String(signal?.reason ?? '');
      void this.kill();
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    if (!this.ready) {
      run.timers.push(
        setTimeout(() => {
          if (run.started) return;
          run.startupTimedOut = true;
          void this.kill();
        }, this.options.startupMs ?? 30_000),
      );
    }
    const channel = this.child?.stdio[3] as Writable | null | undefined;
    channel?.write(JSON.stringify({ type: 'assignment', assignment, token: this.token }) + '\n');
    try {
      return await outcome;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Kills the process and everything the sandbox hooks know of; idempotent. */
  kill(): Promise<void> {
    this.killing ??= (async () => {
      const pid = this.child?.pid;
      if (pid !== undefined && this.exit === null) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await this.spec.hooks?.killAll?.().catch(() => undefined);
    })();
    return this.killing;
  }

  private listen(channel: (Readable & Writable) | null): void {
    if (!channel) return;
    channel.on('error', () => undefined);
    const max = this.options.maxMessageBytes ?? 32 * 1024 * 1024;
    let pending: Buffer[] = [];
    let size = 0;
    channel.on('data', (chunk: Buffer) => {
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
      else {
        pending = [];
        size = 0;
        if (this.run && !this.run.report && !this.run.protocolError) {
          this.run.protocolError = { kind: 'result_not_serializable', message: `the result is larger than the limit of ${max} bytes` };
          void this.kill();
        }
      }
    });
  }

  private onLine(line: string): void {
    let msg: SignedRunnerMessage;
    try {
      msg = JSON.parse(line) as SignedRunnerMessage;
    } catch {
      return;
    }
    if (msg?.type === 'ready' && !this.ready && this.runs === 0) {
      this.ready = true;
      for (const w of this.readyWaiters.splice(0)) w();
      return;
    }
    const run = this.run;
    if (!run || msg?.token !== this.token) return;
    if (msg.type === 'started' && !run.started) {
      run.started = true;
      this.ready = true;
      this.startDeadline(run, 'init');
    } else if (msg.type === 'loaded' && run.started && run.initMs === undefined && !run.report) {
      run.initMs = initMsOf(msg.initMs, run.assignment.context.timeoutS);
      if (msg.format === 'module' || msg.format === 'commonjs') this.loadedFormat = msg.format;
      this.startDeadline(run, 'run');
    } else if ((msg.type === 'result' || msg.type === 'failure') && !run.report) {
      const { token: _, ...report } = msg;
      run.report = report as Report;
      if (report.type === 'failure' && report.last) this.retiring = true;
      this.maybeFinish();
      // The fence must follow at once; output stuck elsewhere cannot hold the event.
      if (!run.fenced) run.timers.push(setTimeout(() => this.finish(run, true), this.options.drainMs ?? 1000));
    }
  }

  /** Loading the module has its own bound, then the function's timeout runs (as in supervisor.ts). */
  private startDeadline(run: ActiveRun, phase: 'init' | 'run'): void {
    if (run.deadline) clearTimeout(run.deadline);
    const timeoutS = run.assignment.context.timeoutS;
    const ms = Math.min(Math.max(0, phase === 'init' ? initBoundMs(timeoutS) : timeoutS * 1000), 2 ** 31 - 1);
    run.deadline = setTimeout(() => {
      run.timedOut = true;
      run.initTimedOut = phase === 'init';
      void this.kill();
    }, ms);
    run.timers.push(run.deadline);
  }

  /** Output belongs to the run in progress up to its fence; output between runs goes to the next one. */
  private onOutput(chunk: Buffer): void {
    this.out = this.out.length === 0 ? chunk : Buffer.concat([this.out, chunk]);
    this.drainOutput();
  }

  private drainOutput(): void {
    const run = this.run;
    if (!run || run.fenced) {
      if (this.out.length > MAX_IDLE_OUTPUT) this.out = this.out.subarray(this.out.length - MAX_IDLE_OUTPUT);
      return;
    }
    const at = this.out.indexOf(run.fence);
    if (at >= 0) {
      run.capture.push(this.out.subarray(0, at));
      this.out = this.out.subarray(at + run.fence.length);
      run.fenced = true;
      this.maybeFinish();
      return;
    }
    // Keep only what could be the start of a fence split across chunks: the rest is the
    // function's output and goes on at once (live logs must not wait for the next write).
    const split = this.out.length - fencePrefixAtEnd(this.out, run.fence);
    if (split > 0) {
      run.capture.push(this.out.subarray(0, split));
      this.out = this.out.subarray(split);
    }
  }

  private maybeFinish(): void {
    const run = this.run;
    if (run && run.report && run.fenced && !run.timedOut && run.aborted === null) this.finish(run, false);
  }

  /** Ends `run` with its report (the process lives on), or, when `broken`, ends the session too. */
  private finish(run: ActiveRun, broken: boolean): void {
    if (this.run !== run) return;
    if (broken) {
      void this.kill();
      return; // onExit classifies it, with the report it has
    }
    this.settle(
      run,
      classifyRun({ ...this.observation(run.assignment, run.startedAt), ...initOf(run), report: run.report, started: true, exitCode: null, logs: run.capture.text(), logsTruncated: run.capture.truncated }),
    );
  }

  private onExit(exit: { code: number | null; signal: string | null }): void {
    if (this.exit) return;
    this.exit = exit;
    for (const w of this.readyWaiters.splice(0)) w();
    const run = this.run;
    if (!run) return;
    void (async () => {
      await this.kill();
      // Give the pipes a moment to deliver what the process wrote before it died.
      await new Promise((r) => setTimeout(r, 50));
      if (run.capture && this.out.length > 0 && !run.fenced) {
        run.capture.push(this.out);
        this.out = Buffer.alloc(0);
      }
      const seen = (await this.spec.hooks?.inspect?.().catch(() => undefined)) ?? { outOfMemory: false };
      let { code, signal } = exit;
      if (this.spec.signalExitCodes && signal === null && code !== null && code > 128 && code < 128 + 65) {
        signal = Object.entries(constants.signals).find(([, n]) => n === code! - 128)?.[0] ?? null;
        if (signal) code = null;
      }
      // A report counts only when the run was not cut short by the service itself.
      const trusted = run.report && !run.timedOut && run.aborted === null ? run.report : null;
      const spawnError = this.spawnError ?? (run.startupTimedOut ? `the runner did not come up within ${(this.options.startupMs ?? 30_000) / 1000} s` : null);
      this.settle(
        run,
        classifyRun({
          ...this.observation(run.assignment, run.startedAt),
          ...initOf(run),
          report: trusted,
          started: run.started,
          exitCode: code,
          signal,
          spawnError,
          protocolError: run.protocolError,
          timedOut: run.timedOut,
          aborted: run.aborted,
          outOfMemory: seen.outOfMemory || run.capture.sawHeapOutOfMemory,
          logs: run.capture.text(),
          logsTruncated: run.capture.truncated,
          peakMemoryBytes: seen.peakMemoryBytes,
        }),
      );
    })();
  }

  private settle(run: ActiveRun, outcome: RunOutcome): void {
    if (this.run !== run) return;
    for (const t of run.timers) clearTimeout(t);
    this.run = null;
    run.done(outcome);
  }

  private observation(assignment: Assignment, startedAt: number) {
    return {
      report: null,
      started: false,
      exitCode: null,
      signal: null,
      spawnError: null,
      protocolError: null,
      timedOut: false,
      aborted: null,
      outOfMemory: false,
      timeoutS: assignment.context.timeoutS,
      memoryMb: assignment.context.memoryMb,
      logs: '',
      logsTruncated: false,
      peakMemoryBytes: undefined,
      startedAt,
      finishedAt: Date.now(),
    };
  }
}

/** The length of the longest end of `out` that begins `fence` (a fence split across chunks). */
export function fencePrefixAtEnd(out: Buffer, fence: Buffer): number {
  for (let n = Math.min(out.length, fence.length - 1); n > 0; n--) {
    if (out.subarray(out.length - n).equals(fence.subarray(0, n))) return n;
  }
  return 0;
}

function initOf(run: ActiveRun): { initTimedOut: boolean; initMs?: number } {
  return run.initMs === undefined ? { initTimedOut: run.initTimedOut } : { initTimedOut: run.initTimedOut, initMs: run.initMs };
}
