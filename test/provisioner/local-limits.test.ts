/** Deadlines, memory, process counts and output volume, enforced by the real local sandbox. */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireCgroups, requireRoot, sandbox, type Sandbox } from './_fixtures.js';
import type { LocalEnvironment } from '../../service/provisioner/local/local-environment.js';

let sb: Sandbox;
test.before(async () => {
  sb = await sandbox();
});
test.after.always(async () => {
  await sb?.close();
});

const cgroupsOf = (env: LocalEnvironment) => env.parts.cgroup?.dirs ?? [];

async function procsIn(dirs: string[]): Promise<number> {
  let n = 0;
  for (const d of dirs) n += (await readFile(join(d, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).length;
  return n;
}

test('a busy loop is killed at the deadline and reported as timed_out', async (t) => {
  const { outcome, ms } = await sb.invoke({ 'index.js': `exports.handler = () => { console.log('spinning'); for (;;) {} };` }, 'index.handler', { timeoutS: 1 });
  t.is(outcome.status, 'timed_out', JSON.stringify(outcome));
  t.is(outcome.failure?.kind, 'timeout');
  t.is(outcome.logs, 'spinning\n');
  t.true(ms >= 1000, `killed after ${ms} ms, before its timeout`);
});

test('a promise that never settles runs into the deadline', async (t) => {
  const { outcome, ms } = await sb.invoke({ 'index.mjs': `export const handler = () => new Promise(() => {});` }, 'index.handler', { timeoutS: 1 });
  t.is(outcome.status, 'timed_out', JSON.stringify(outcome));
  t.true(ms >= 1000, `killed after ${ms} ms, before its timeout`);
});

test('the deadline kills the whole tree, including a grandchild that called setsid', async (t) => {
  if (!requireRoot(t)) return;
  let leftovers = -1;
  let pids: number[] = [];
  const { outcome } = await sb.invoke(
    {
      'index.js': `const { execSync, spawn } = require('child_process');
        exports.handler = () => {
          const gc = execSync('setsid sleep 300 > /dev/null 2>&1 < /dev/null & echo $!', { encoding: 'utf8' }).trim();
          const child = spawn('sleep', ['301'], { detached: true, stdio: 'ignore' });
          console.log('PIDS ' + gc + ' ' + child.pid);
          for (;;) {}
        };`,
    },
    'index.handler',
    {
      timeoutS: 2,
      beforeRelease: async (env, o) => {
        pids = (/PIDS (\d+) (\d+)/.exec(o.logs) ?? []).slice(1).map(Number);
        leftovers = await procsIn(cgroupsOf(env));
      },
    },
  );
  t.is(outcome.status, 'timed_out', JSON.stringify(outcome));
  t.is(pids.length, 2, outcome.logs);
  // The pids the function saw are its pid namespace's: the cgroup tells what survived.
  t.is(leftovers, 0);
});

test('a buffer bomb hits the memory cgroup and is reported as out_of_memory', async (t) => {
  if (!(await requireCgroups(t, sb.provider))) return;
  const { outcome } = await sb.invoke(
    { 'index.js': `exports.handler = () => { const keep = []; for (;;) keep.push(Buffer.alloc(8 << 20, 1)); };` },
    'index.handler',
    { memoryMb: 64, timeoutS: 20 },
  );
  t.is(outcome.status, 'failed', JSON.stringify(outcome));
  t.is(outcome.failure?.kind, 'out_of_memory');
  t.is(outcome.signal, 'SIGKILL');
  t.true((outcome.peakMemoryBytes ?? 0) >= 100 * 1024 * 1024, `peak ${outcome.peakMemoryBytes}`);
  t.true((outcome.peakMemoryBytes ?? 0) <= (64 + 64) * 1024 * 1024, `peak ${outcome.peakMemoryBytes}`);
});

test('a heap bomb is reported as out_of_memory', async (t) => {
  const { outcome } = await sb.invoke(
    { 'index.js': `exports.handler = () => { const keep = []; for (let i = 0; ; i++) keep.push({ i, s: 'x'.repeat(64) + i }); };` },
    'index.handler',
    { memoryMb: 48, timeoutS: 30 },
  );
  t.is(outcome.status, 'failed', JSON.stringify({ ...outcome, logs: outcome.logs.slice(0, 500) }));
  t.is(outcome.failure?.kind, 'out_of_memory');
});

test('a child_process spawn loop is stopped by the pids limit and the run still ends', async (t) => {
  if (!requireRoot(t) || !(await requireCgroups(t, sb.provider))) return;
  let pidsHit = false;
  let leftovers = -1;
  const { outcome } = await sb.invoke(
    {
      'index.js': `const { spawn } = require('child_process');
        exports.handler = async () => {
          let ok = 0, failed = 0;
          for (let i = 0; i < 300; i++) {
            await new Promise((resolve) => {
              const c = spawn('sleep', ['60'], { stdio: 'ignore' });
              c.once('spawn', () => { ok++; resolve(); });
              c.once('error', () => { failed++; resolve(); });
            });
          }
          return { ok, failed };
        };`,
    },
    'index.handler',
    {
      timeoutS: 20,
      beforeRelease: async (env) => {
        const pids = cgroupsOf(env).find((d) => d.includes('/pids/'));
        pidsHit = pids !== undefined && /^max [1-9]/m.test(await readFile(join(pids, 'pids.events'), 'utf8'));
        leftovers = await procsIn(cgroupsOf(env));
      },
    },
  );
  t.true(pidsHit, 'pids.events shows the limit was hit');
  t.is(leftovers, 0, 'the spawned children do not outlive the run');
  if (outcome.status === 'succeeded') {
    const r = outcome.result as { ok: number; failed: number };
    t.true(r.ok < 64, JSON.stringify(r));
    t.true(r.failed > 0, JSON.stringify(r));
  } else t.is(outcome.failure?.kind, 'handler_error', JSON.stringify(outcome)); // EAGAIN may surface as a throw
});

test('a shell fork bomb is stopped by the pids limit and killed with the run', async (t) => {
  if (!requireRoot(t) || !(await requireCgroups(t, sb.provider))) return;
  let pidsHit = false;
  let leftovers = -1;
  const { outcome } = await sb.invoke(
    {
      'index.js': `const { spawn } = require('child_process');
        exports.handler = async () => {
          spawn('/bin/sh', ['-c', 'f() { f | f & }; f'], { detached: true, stdio: 'ignore' }).unref();
          await new Promise((r) => setTimeout(r, 1500));
          return 'still here';
        };`,
    },
    'index.handler',
    {
      timeoutS: 10,
      beforeRelease: async (env) => {
        const pids = cgroupsOf(env).find((d) => d.includes('/pids/'));
        pidsHit = pids !== undefined && /^max [1-9]/m.test(await readFile(join(pids, 'pids.events'), 'utf8'));
        leftovers = await procsIn(cgroupsOf(env));
      },
    },
  );
  t.true(pidsHit, 'pids.events shows the limit was hit');
  t.is(leftovers, 0, 'the bomb does not outlive the run');
  t.true(outcome.status === 'succeeded' || outcome.status === 'timed_out' || outcome.failure?.kind === 'handler_error', JSON.stringify(outcome));
});

test('100 MB of output is truncated at the cap with a marker, and the run completes quickly', async (t) => {
  const { outcome } = await sb.invoke(
    {
      'index.js': `exports.handler = () => {
        const line = 'x'.repeat(1023) + '\\n';
        const mb = line.repeat(1024);
        for (let i = 0; i < 100; i++) process.stdout.write(mb);
        console.error('the end');
        return 'done';
      };`,
    },
    'index.handler',
    { logLimitBytes: 64 * 1024, timeoutS: 30 },
  );
  t.is(outcome.status, 'succeeded', JSON.stringify({ ...outcome, logs: outcome.logs.slice(-300) }));
  t.is(outcome.result, 'done');
  t.true(outcome.logsTruncated);
  t.true(outcome.logs.endsWith('\n[fnstack: output truncated after 65536 bytes]\n'), outcome.logs.slice(-100));
  t.is(Buffer.byteLength(outcome.logs), 64 * 1024 + '\n[fnstack: output truncated after 65536 bytes]\n'.length - 1);
});

test('output written just before the handler returns is not lost', async (t) => {
  const { outcome } = await sb.invoke(
    {
      'index.js': `exports.handler = () => {
        const chunk = 'y'.repeat(1023) + '\\n';
        for (let i = 0; i < 512; i++) process.stdout.write(chunk);
        console.log('the end');
        return 'done';
      };`,
    },
    'index.handler',
    { logLimitBytes: 1024 * 1024 },
  );
  t.is(outcome.status, 'succeeded');
  t.false(outcome.logsTruncated);
  t.is(outcome.logs.length, 512 * 1024 + 'the end\n'.length);
  t.true(outcome.logs.endsWith('y\nthe end\n'));
});

for (const memoryMb of [128, 512]) {
  test(`a function declaring ${memoryMb} MB gets at least that much V8 heap, and no more than the limit allows in total`, async (t) => {
    const { outcome, env } = await sb.invoke({ 'index.js': `exports.handler = () => require('v8').getHeapStatistics().heap_size_limit;` }, 'index.handler', { memoryMb });
    t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
    const heap = (outcome.result as number) / 1024 / 1024;
    t.true(heap >= memoryMb, `heap limit ${heap} MB`);
    if (env.placement.details.memoryLimit === 'heap size + address-space rlimit') t.true(heap <= memoryMb + 64, `heap limit ${heap} MB`);
  });
}
