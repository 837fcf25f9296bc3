import test from 'ava';
import { classifyRun, type Observation } from '../../service/runner/classify-run.js';

const base: Observation = {
  report: null,
  started: true,
  exitCode: null,
  signal: null,
  spawnError: null,
  protocolError: null,
  timedOut: false,
  aborted: null,
  outOfMemory: false,
  timeoutS: 3,
  memoryMb: 128,
  logs: 'l',
  logsTruncated: false,
  peakMemoryBytes: undefined,
  startedAt: 1,
  finishedAt: 2,
};

test('a result report is success, even if the process was killed afterwards', (t) => {
  const o = classifyRun({ ...base, report: { type: 'result', value: 5, peakRssBytes: 10, durationMs: 1 }, signal: 'SIGKILL', timedOut: true });
  t.is(o.status, 'succeeded');
  t.is(o.result, 5);
  t.is(o.peakMemoryBytes, 10, 'the executor’s peak stands in when the sandbox has none');
});

test('a failure report is passed on as is', (t) => {
  const failure = { kind: 'load_error' as const, message: 'm', stack: 's' };
  t.deepEqual(classifyRun({ ...base, report: { type: 'failure', failure, peakRssBytes: 1, durationMs: 1 }, exitCode: 0 }).failure, failure);
});

test('timeout wins over the kill it caused; OOM over a plain crash', (t) => {
  t.is(classifyRun({ ...base, timedOut: true, signal: 'SIGKILL', outOfMemory: true }).status, 'timed_out');
  const oom = classifyRun({ ...base, signal: 'SIGKILL', outOfMemory: true, peakMemoryBytes: 99 });
  t.is(oom.failure?.kind, 'out_of_memory');
  t.is(oom.peakMemoryBytes, 99);
});

test('dying before `started` is the runner’s fault, after it the function’s', (t) => {
  t.is(classifyRun({ ...base, started: false, exitCode: 125 }).failure?.kind, 'runner_error');
  const crash = classifyRun({ ...base, exitCode: 3 });
  t.is(crash.failure?.kind, 'crashed');
  t.regex(crash.failure?.message ?? '', /exited with code 3/);
  t.regex(classifyRun({ ...base, signal: 'SIGSEGV' }).failure?.message ?? '', /killed by SIGSEGV/);
});

test('spawn errors and aborts are runner errors', (t) => {
  t.is(classifyRun({ ...base, spawnError: 'ENOENT' }).failure?.kind, 'runner_error');
  t.regex(classifyRun({ ...base, aborted: 'shutdown', signal: 'SIGKILL' }).failure?.message ?? '', /aborted: shutdown/);
});
