/**
 * The entry run inside a one-run sandbox: `node executor.cjs` (the build's bundle of this
 * file; a Nova server's agent runs `executor.js` itself), with the
 * assignment arriving as one `{type:'assignment'}` line on fd 3. It loads the handler,
 * calls `handler(event, context)`, reports exactly one `result` or `failure` on fd 3 and
 * exits. Node builtins only: this file ships into Nova servers with the rest of runner/.
 *
 * Exit codes: 0 after a report; 70 when the assignment could not be read (nothing of
 * the function has run then, so the supervisor calls it a runner error).
 */
import { receive, send } from './fd-channel.js';
import { describe, forgetRunnerModules, loadHandler } from './load-handler.js';
import { toJson } from './to-json.js';
import type { Assignment, FailureInfo, FailureKind, RunnerMessage } from './protocol.js';

/** What a handler receives as its second argument. */
export interface HandlerContext {
  functionName: string;
  functionVersion: number;
  executionId: string;
  memoryLimitMb: number;
  /** Epoch ms after which the run is killed. */
  deadline: number;
  getRemainingTimeMs(): number;
}

const exit: (code?: number) => never = process.exit.bind(process);
let handlerStart = Date.now();
let reported = false;
/** The run's secret from the supervisor, echoed on every message (see protocol.ts). */
let token: string | undefined;

void main();

async function main(): Promise<void> {
  // A handler whose promise never settles must run into the deadline, not end the process.
  setInterval(() => undefined, 1 << 30);
  let assignment: Assignment;
  try {
    const message = receive();
    if (message?.type !== 'assignment') throw new Error(`expected an assignment, got ${JSON.stringify(message).slice(0, 200)}`);
    assignment = message.assignment;
    token = message.token;
    signed({ type: 'started', pid: process.pid, nodeVersion: process.version });
  } catch (err) {
    process.stderr.write(`[fnstack runner] ${describe(err)}\n`);
    return exit(70);
  }

  // Errors thrown from timers or floating promises while the handler runs are the handler's.
  process.on('uncaughtException', (err) => void fail('handler_error', err));
  process.on('unhandledRejection', (err) => void fail('handler_error', err));

  const codeDir = assignment.code.dir ?? process.cwd();
  try {
    process.chdir(codeDir);
  } catch (err) {
    return fail('runner_error', err, `cannot enter the code directory: ${describe(err)}`);
  }
  forgetRunnerModules();
  const initStart = Date.now();
  const loaded = await loadHandler(codeDir, assignment.handler);
  if (!loaded.ok) return report({ type: 'failure', failure: loaded.failure, ...stats() });
  // The timeout counts from here, as the supervisor's does: neither starting the sandbox nor
  // loading the module is the handler's time.
  assignment.context.deadline = Date.now() + assignment.context.timeoutS * 1000;
  signed({ type: 'loaded', initMs: Date.now() - initStart });

  const { context: c, executionId } = assignment;
  const context: HandlerContext = {
    functionName: c.functionName,
    functionVersion: c.functionVersion,
    executionId,
    memoryLimitMb: c.memoryMb,
    deadline: c.deadline,
    getRemainingTimeMs: () => Math.max(0, c.deadline - Date.now()),
  };
  handlerStart = Date.now();
  let value: unknown;
  try {
    value = await loaded.handler(assignment.event, context);
  } catch (err) {
    return fail('handler_error', err);
  }
  const json = toJson(value);
  if (!json.ok) return report({ type: 'failure', failure: { kind: 'result_not_serializable', message: json.message }, ...stats() });
  return report({ type: 'result', value: JSON.parse(json.json) as unknown, ...stats() });
}

/** Sends the one report of this run, after the function's output has been flushed, and exits. */
async function report(message: RunnerMessage): Promise<never> {
  if (!reported) {
    reported = true;
    // Writes to a pipe are asynchronous: exiting right away would drop the last logs.
    await Promise.all([flush(process.stdout), flush(process.stderr)]);
    try {
      signed(message);
    } catch {
      // the supervisor is gone: nobody is left to tell
    }
  }
  return exit(0);
}

function signed(message: RunnerMessage): void {
  send(token === undefined ? message : { ...message, token });
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}

function stats() {
  return { peakRssBytes: process.resourceUsage().maxRSS * 1024, durationMs: Date.now() - handlerStart };
}

function fail(kind: FailureKind, err: unknown, message = describe(err)): Promise<never> {
  // Under an address-space limit an ArrayBuffer allocation throws instead of killing the process.
  if (err instanceof RangeError && /allocation failed/i.test(err.message)) kind = 'out_of_memory';
  const failure: FailureInfo = { kind, message };
  if (err instanceof Error && err.stack) failure.stack = err.stack;
  return report({ type: 'failure', failure, ...stats() });
}
