/**
 * The executor of a long-lived sandbox: `node warm-executor.cjs` says `ready` on fd 3 as soon
 * as Node is up, then serves `{type:'assignment'}` lines one at a time, each answered by
 * `started`, the function's output on stdout/stderr closed by the assignment's log fence
 * (protocol.ts), and one `result` or `failure`. Two uses (service/provisioner/local):
 *
 * - `isolation: reuse`: the sandbox holds one function version's code; the handler is loaded
 *   once, so module scope lives on between events (like a Lambda execution environment).
 * - per-event pool: the sandbox is started before its event; the code is placed in it and
 *   the one assignment brings the variables; the sandbox is destroyed after that run.
 *
 * `assignment.env` is applied to process.env before the handler runs (the provider sends
 * only what the sandbox may see). An error that escapes the handler (a throw from a timer,
 * an unhandled rejection) fails the event it happened in and ends the process: its state is
 * not trusted any more, and the provider replaces the sandbox. Node builtins only.
 *
 * The sandbox runs it as one CommonJS file (`npm run build` bundles it: scripts/bundle-runner.mjs):
 * loading the runner as ES modules cost every sandbox ~3 ms more CPU at start (bench/README.md,
 * http). So no top-level await here.
 */
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, forgetRunnerModules, loadHandler, type Handler } from './load-handler.js';
import { toJson } from './to-json.js';
import { CHANNEL_FD } from './fd-channel.js';
import { logFence, WARM_UP_ARG, type Assignment, type FailureInfo, type FailureKind, type ModuleFormat, type RunnerMessage, type ServiceMessage } from './protocol.js';
import type { HandlerContext } from './executor.js';

interface Current {
  assignment: Assignment;
  token: string | undefined;
  reported: boolean;
  handlerStart: number;
  /** The warm-up's own event: nothing of it is written (no output fence, no message). */
  dry: boolean;
}

const exit: (code?: number) => never = process.exit.bind(process);
const channel = new Socket({ fd: CHANNEL_FD, readable: true, writable: true });
let current: Current | null = null;
let loaded: { ref: string; handler: Handler; format: ModuleFormat } | null = null;
let queue: Promise<void> = Promise.resolve();

channel.on('error', () => exit(0)); // the supervisor is gone
channel.on('end', () => exit(0));
// Errors that escape the handler are the current event's; between events, the process ends.
process.on('uncaughtException', (err) => escaped(err));
process.on('unhandledRejection', (err) => escaped(err));

let pending = '';
channel.setEncoding('utf8');
channel.on('data', (text: string) => {
  pending += text;
  for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    void accept(line);
  }
});

/** Queues the event of one line from the service (any other line ends the process); resolves when it has been served. */
function accept(line: string, dry = false): Promise<void> {
  let message: ServiceMessage;
  try {
    message = JSON.parse(line) as ServiceMessage;
  } catch (err) {
    process.stderr.write(`[fnstack runner] malformed message: ${describe(err)}\n`);
    exit(70);
  }
  if (message?.type !== 'assignment') exit(70);
  queue = queue.then(() => serve(message.assignment, message.token, dry));
  return queue;
}
void warmUp(warmUpLoaders()).then(() => channel.write(JSON.stringify({ type: 'ready', pid: process.pid, nodeVersion: process.version }) + '\n'));

/**
 * The loaders to warm, from `--warm-up=commonjs,module` (service/provisioner/local/loader-demand.ts
 * chooses them); without the argument, both. The argument is the runner's: the function does
 * not find it in process.argv.
 */
function warmUpLoaders(): ModuleFormat[] {
  const at = process.argv.findIndex((a, i) => i >= 2 && a.startsWith(WARM_UP_ARG));
  if (at < 0) return ['commonjs', 'module'];
  const names = process.argv.splice(at, 1)[0]!.slice(WARM_UP_ARG.length).split(',');
  return (['commonjs', 'module'] as const).filter((f) => names.includes(f));
}

/**
 * Walks the path of an event before `ready`, once per loader, with the runner's own tiny
 * handlers: the line is parsed and served like an event's, but nothing of it is written (no
 * output, no message). Node compiles its module loaders (CommonJS and ESM), stdio streams and
 * our own event path lazily, on first use, and in a pre-started sandbox that first use would
 * otherwise be the event's: the loaders alone ~6 ms of a trivial run; the event path (the
 * assignment's parse, serve, the report) another ~2 ms after them, measured on the executor
 * alone (bench/README.md, cold-start). A failure here changes nothing for the event, which
 * loads its own code as it would have. Warming the ES-module loader costs every sandbox ~5 ms
 * of CPU, and not warming it costs an ES-module handler ~7 ms on its event's path
 * (bench/README.md, http): hence `loaders`.
 */
async function warmUp(loaders: ModuleFormat[]): Promise<void> {
  const runnerDir = dirname(fileURLToPath(import.meta.url));
  const cwd = process.cwd();
  const refs: Record<ModuleFormat, string> = { commonjs: 'warm-up-cjs.handler', module: 'warm-up-esm.handler' };
  try {
    for (const format of loaders) await accept(JSON.stringify({ type: 'assignment', assignment: warmUpAssignment(runnerDir, refs[format]) }), true);
    await write(process.stdout, '');
    await write(process.stderr, '');
  } catch {
    // only a warm-up
  } finally {
    loaded = null;
    current = null;
    try {
      process.chdir(cwd);
    } catch {
      // the event enters its own code directory anyway
    }
  }
  forgetRunnerModules();
}

function warmUpAssignment(dir: string, handler: string): Assignment {
  const context = { functionName: 'warm-up', functionVersion: 0, memoryMb: 0, timeoutS: 1, deadline: 0 };
  const event = { specversion: '1.0', id: 'warm-up', source: 'fnstack/warm-up', type: 'fnstack.warm-up', data: { warm: true } } as const;
  return { executionId: 'warm-up', handler, code: { dir, sha256: '' }, event, env: {}, context, logLimitBytes: 0 };
}

async function serve(assignment: Assignment, token: string | undefined, dry = false): Promise<void> {
  const run: Current = { assignment, token, reported: false, handlerStart: Date.now(), dry };
  current = run;
  for (const [k, v] of Object.entries(assignment.env ?? {})) if (typeof v === 'string') process.env[k] = v;
  const started: RunnerMessage = { type: 'started', pid: process.pid, nodeVersion: process.version };
  const codeDir = assignment.code.dir ?? process.cwd();
  // A warm event (the handler loaded, already in its directory) runs no code of the function
  // between `started` and `loaded`: both go out in one write, just before the handler runs
  // (one wake-up of the service less per event). Otherwise `started` goes at once, so that the
  // service bounds the load from here.
  const warm = loaded?.ref === assignment.handler && process.cwd() === codeDir;
  if (!warm) signed(run, started);
  try {
    if (process.cwd() !== codeDir) process.chdir(codeDir);
  } catch (err) {
    return report(run, { type: 'failure', failure: failureOf('runner_error', err, `cannot enter the code directory: ${describe(err)}`), ...stats(run) });
  }
  // Only the event that loads the module has init time; later ones find it loaded (initMs 0).
  const initStart = Date.now();
  if (loaded?.ref !== assignment.handler) {
    const l = await loadHandler(codeDir, assignment.handler);
    if (!l.ok) return report(run, { type: 'failure', failure: l.failure, ...stats(run) }, true);
    loaded = { ref: assignment.handler, handler: l.handler, format: l.format };
  }
  assignment.context.deadline = Date.now() + assignment.context.timeoutS * 1000;
  const loadedMessage: RunnerMessage = { type: 'loaded', initMs: Date.now() - initStart, format: loaded.format };
  signed(run, ...(warm ? [started, loadedMessage] : [loadedMessage]));
  const c = assignment.context;
  const context: HandlerContext = {
    functionName: c.functionName,
    functionVersion: c.functionVersion,
    executionId: assignment.executionId,
    memoryLimitMb: c.memoryMb,
    deadline: c.deadline,
    getRemainingTimeMs: () => Math.max(0, c.deadline - Date.now()),
  };
  run.handlerStart = Date.now();
  let value: unknown;
  try {
    value = await loaded.handler(assignment.event, context);
  } catch (err) {
    return report(run, { type: 'failure', failure: failureOf('handler_error', err), ...stats(run) });
  }
  if (run.reported) return; // an escaped error already failed this event
  const json = toJson(value);
  if (!json.ok) return report(run, { type: 'failure', failure: { kind: 'result_not_serializable', message: json.message }, ...stats(run) });
  return report(run, { type: 'result', value: JSON.parse(json.json) as unknown, ...stats(run) });
}

/** Flushes the event's output, writes its fence, sends its one report; `last` ends the process after. */
async function report(run: Current, message: RunnerMessage, last = false): Promise<void> {
  if (run.reported) return;
  run.reported = true;
  if (!run.dry) {
    await write(process.stderr, '');
    await write(process.stdout, logFence(run.token ?? '', run.assignment.executionId));
  }
  signed(run, last && message.type === 'failure' ? { ...message, last } : message);
  if (current === run) current = null;
  if (last && !run.dry) {
    await new Promise<void>((resolve) => channel.end(resolve));
    exit(0);
  }
}

function escaped(err: unknown): void {
  const run = current;
  if (!run || run.reported) {
    process.stderr.write(`[fnstack runner] error outside an event: ${describe(err)}\n`);
    exit(1);
  }
  void report(run, { type: 'failure', failure: failureOf('handler_error', err), ...stats(run) }, true);
}

/** Sends the messages, signed with the run's token, in one write. */
function signed(run: Current, ...messages: RunnerMessage[]): void {
  // Built even when dry: the warm-up is there to compile this path.
  let lines = '';
  for (const m of messages) lines += JSON.stringify(run.token === undefined ? m : { ...m, token: run.token }) + '\n';
  if (!run.dry) channel.write(lines);
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

function stats(run: Current) {
  return { peakRssBytes: process.resourceUsage().maxRSS * 1024, durationMs: Date.now() - run.handlerStart };
}

function failureOf(kind: FailureKind, err: unknown, message = describe(err)): FailureInfo {
  if (err instanceof RangeError && /allocation failed/i.test(err.message)) kind = 'out_of_memory';
  const failure: FailureInfo = { kind, message };
  if (err instanceof Error && err.stack) failure.stack = err.stack;
  return failure;
}
