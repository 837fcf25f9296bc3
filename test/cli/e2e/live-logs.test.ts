/**
 * End to end: `execution logs --follow` and `function logs --follow` print a function's
 * output while it still runs (the function prints, then waits until its timeout).
 */
import anyTest, { type TestFn } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CLI_MAIN } from '../_helpers/cli-harness.js';
import { startTestService, type TestService } from '../_helpers/test-service.js';
import { tempDir, writeTree } from '../_helpers/tmp.js';
import { pollUntil } from '../../_helpers/poll.js';

const test = anyTest as TestFn<{ svc: TestService }>;

test.before(async (t) => {
  const svc = await startTestService();
  t.context.svc = svc;
  const dir = tempDir('fnstack-fixture-');
  writeTree(dir, { 'wait.mjs': `export async function handler() {\n  console.log('first line');\n  await new Promise((r) => setTimeout(r, 600000));\n}\n` });
  const r = await svc.cli(['function', 'create', 'waiter', '--runtime', 'nodejs20', '--handler', 'wait.handler', '--timeout', '15', '--code', join(dir, 'wait.mjs')]);
  if (r.code !== 0) throw new Error(`could not create waiter: ${r.stderr}`);
});
test.after.always(async (t) => {
  await t.context.svc?.close();
});

/** A CLI process whose output the test watches while it runs. */
function watch(svc: TestService, args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: svc.sandbox.cwd, env: svc.sandbox.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => stdout, err: () => stderr, exited };
}

async function statusOf(svc: TestService, id: string): Promise<string> {
  const r = await svc.cli(['execution', 'show', id, '--json']);
  return (JSON.parse(r.stdout) as { status: string }).status;
}

test.serial('execution logs --follow prints the first line while the function runs, then its final status', async (t) => {
  const { svc } = t.context;
  const invoked = await svc.cli(['function', 'invoke', 'waiter', '--async']);
  t.is(invoked.code, 0, invoked.stderr);
  const id = invoked.stdout.trim();
  const follow = watch(svc, ['execution', 'logs', id, '--follow']);
  try {
    await pollUntil('the first line from --follow', async () => (follow.out().includes('first line\n') ? true : undefined));
    t.is(await statusOf(svc, id), 'running', 'the line arrived before the execution finished');
    t.is(await follow.exited, 0, follow.err());
    t.is(follow.out(), 'first line\n');
    t.regex(follow.err(), new RegExp(`execution ${id} timed_out`));
  } finally {
    follow.child.kill();
  }
});

test.serial('function logs --follow prints new executions’ lines prefixed with their id as they come', async (t) => {
  const { svc } = t.context;
  const follow = watch(svc, ['function', 'logs', 'waiter', '--follow', '--last', '0']);
  try {
    await pollUntil('the follower to start', async () => (follow.err().includes('following the executions of waiter') ? true : undefined));
    const invoked = await svc.cli(['function', 'invoke', 'waiter', '--async']);
    const id = invoked.stdout.trim();
    await pollUntil('the prefixed first line', async () => (follow.out().includes(`[${id}] first line\n`) ? true : undefined));
    t.is(await statusOf(svc, id), 'running', 'the line arrived before the execution finished');
    t.false(follow.out().includes('first line\n'.repeat(2)), 'earlier executions are not printed with --last 0');
    t.is(follow.out(), `[${id}] first line\n`);
  } finally {
    follow.child.kill('SIGINT');
    await follow.exited;
  }
});

test.serial('function logs without --follow prints the recent executions and exits', async (t) => {
  const r = await t.context.svc.cli(['function', 'logs', 'waiter', '--last', '2']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.is(lines.length, 2);
  for (const line of lines) t.regex(line, /^\[[0-9a-f-]{36}\] first line$/);
});
