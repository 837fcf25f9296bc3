/**
 * Local sandboxes whose executor lives longer than one event (warm-executor.cjs), and the
 * Environments the orchestrator gets for them:
 *
 * - `WarmLease` (isolation: reuse): the sandbox of one function version. Its first event
 *   places the code and starts Node with that version's variables; later events only bring
 *   the event (and their FNSTACK_EXECUTION_ID). The lease is one event's; the sandbox goes
 *   back to the reuse pool on release, or is destroyed when its process died.
 * - `PooledLease` (per-event pool): a sandbox started before its event with an empty code
 *   directory; the event places the code and brings the variables; it runs once and the
 *   sandbox is destroyed on release.
 *
 * The sandbox is exactly the per-event one (uid, namespaces, cgroups, seccomp, disk): only
 * the moment Node starts and the number of events it serves differ.
 */
import type { Environment, Placement } from '../provider.js';
import type { Assignment, ModuleFormat, OutputListener, RunOutcome } from '../../runner/protocol.js';
import type { WarmSession } from '../../runner/warm-session.js';
import type { LocalEnvironment } from './local-environment.js';
import { INSIDE, sandboxEnv } from './launch-command.js';
import { populateCode } from './workdir.js';

export class WarmSandbox {
  session: WarmSession | null = null;
  /** The code this sandbox holds (null until its first event placed it). */
  codeSha: string | null = null;

  constructor(readonly env: LocalEnvironment) {}

  /** Whether it can serve another event. */
  get healthy(): boolean {
    return this.session === null || this.session.alive;
  }

  /** Starts Node now, with no code and the base variables (pool: the event brings both), warming `loaders`. */
  async prestart(loaders: readonly ModuleFormat[]): Promise<void> {
    this.session = this.env.session({}, loaders);
    await this.session.start();
    if (!this.session.alive) throw new Error('the pre-started sandbox did not come up');
  }

  /** Places `assignment`'s code in the (still empty) code directory. */
  async placeCode(assignment: Assignment): Promise<string | null> {
    if (!assignment.code.dir) return 'the local provider needs the code as a directory (assignment.code.dir)';
    try {
      await populateCode(assignment.code.dir, this.env.parts.workdir.codeDir);
      this.codeSha = assignment.code.sha256;
      return null;
    } catch (err) {
      return `cannot place the code in the sandbox: ${(err as Error).message}`;
    }
  }

  async runOnce(assignment: Assignment, env: Record<string, string>, signal?: AbortSignal, onOutput?: OutputListener): Promise<RunOutcome> {
    const local: Assignment = { ...assignment, code: { ...assignment.code, dir: INSIDE.code }, env, logLimitBytes: this.env.logLimit(assignment.logLimitBytes) };
    return this.env.withDiskVerdict(await this.session!.runOnce(local, signal, onOutput));
  }
}

export class WarmLease implements Environment {
  readonly id: string;
  readonly placement: Placement;
  private used = false;

  constructor(
    readonly sandbox: WarmSandbox,
    readonly reuseCount: number,
  ) {
    this.id = `${sandbox.env.id}#${reuseCount}`;
    this.placement = { ...sandbox.env.placement, warm: reuseCount > 0, reuse_count: reuseCount };
  }

  get holdsCode(): string | null {
    return this.sandbox.session !== null ? this.sandbox.codeSha : null;
  }

  async run(assignment: Assignment, signal?: AbortSignal, onOutput?: OutputListener): Promise<RunOutcome> {
    if (this.used) return refusal('this lease has already been used');
    this.used = true;
    const sb = this.sandbox;
    if (sb.session === null) {
      const problem = await sb.placeCode(assignment);
      if (problem) return refusal(problem);
      // Nothing to warm: the event that starts it loads its handler at once, with the loader it needs.
      sb.session = sb.env.session(assignment.env, []);
      await sb.session.start();
    } else if (sb.codeSha !== assignment.code.sha256) {
      return refusal('this warm sandbox holds other code'); // the key includes the sha: never expected
    }
    return sb.runOnce(assignment, { FNSTACK_EXECUTION_ID: assignment.executionId }, signal, onOutput);
  }
}

export class PooledLease implements Environment {
  readonly id: string;
  readonly placement: Placement;
  private used = false;

  constructor(
    readonly sandbox: WarmSandbox,
    /** The pool's shape it was made for (local-provider.ts). */
    readonly shape: string,
  ) {
    this.id = sandbox.env.id;
    this.placement = { ...sandbox.env.placement, details: { ...sandbox.env.placement.details, preStarted: true }, warm: false, reuse_count: 0 };
  }

  async run(assignment: Assignment, signal?: AbortSignal, onOutput?: OutputListener): Promise<RunOutcome> {
    if (this.used || this.sandbox.session?.runs !== 0) return refusal('this pre-started sandbox has already been used');
    this.used = true;
    const problem = await this.sandbox.placeCode(assignment);
    if (problem) return refusal(problem);
    return this.sandbox.runOnce(assignment, sandboxEnv(assignment.env), signal, onOutput);
  }
}

function refusal(message: string): RunOutcome {
  const now = Date.now();
  return { status: 'failed', failure: { kind: 'runner_error', message }, logs: '', logsTruncated: false, startedAt: now, finishedAt: now };
}
