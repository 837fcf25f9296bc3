/**
 * `isolation: reuse` and the pre-started per-event pool in the real local sandbox: module
 * scope lives on between events of one function version and never crosses versions or
 * projects; each event keeps its own logs and outcome; a crash, a timeout and idleness end
 * a warm sandbox; a pre-started sandbox serves exactly one event.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assignment, alive, params, sandbox, type InvokeOptions, type Sandbox } from './_fixtures.js';
import type { ProvisioningParams } from '../../service/provisioner/provider.js';
import type { RunOutcome } from '../../service/runner/protocol.js';
import type { Environment } from '../../service/provisioner/provider.js';
import { PooledLease, WarmLease } from '../../service/provisioner/local/warm-sandbox.js';
import { pollUntil } from '../_helpers/poll.js';

let sb: Sandbox;
test.before(async () => {
  sb = await sandbox({ warmIdleMs: 5000, poolSize: 1 });
});
test.after.always(async () => {
  await sb?.close();
});

const COUNTER = `let n = 0; const born = Math.random();
  exports.handler = async (event, ctx) => { n++; console.log('event', event.data, 'n', n);
    return { n, born, id: process.env.FNSTACK_EXECUTION_ID, ctxId: ctx.executionId, secret: process.env.SECRET ?? null }; };`;

interface Fn {
  dir: string;
  projectId: string;
  functionName: string;
  version: number;
  sha: string;
  isolation: 'reuse' | 'per-event';
}

async function fn(files: Record<string, string>, over: Partial<Fn> = {}): Promise<Fn> {
  return { dir: await sb.code(files), projectId: 'p1', functionName: 'counter', version: 1, sha: randomUUID(), isolation: 'reuse', ...over };
}

async function invoke(f: Fn, data: unknown, opts: InvokeOptions & { handler?: string } = {}): Promise<{ outcome: RunOutcome; env: Environment; p: ProvisioningParams }> {
  const p: ProvisioningParams = { ...params(opts), projectId: f.projectId, functionName: f.functionName, functionVersion: f.version, isolation: f.isolation, codeSha256: f.sha };
  const env = await sb.provider.acquire(p);
  try {
    const a = assignment(p, opts.handler ?? 'index.handler', f.dir, { ...opts, data });
    a.code.sha256 = f.sha;
    return { outcome: await env.run(a), env, p };
  } finally {
    await sb.provider.release(env);
  }
}

const resultOf = (o: RunOutcome) => o.result as { n: number; born: number; id: string; ctxId: string; secret: string | null };

test.serial('reuse: module scope lives on between events of one version; each event has its own logs, id and placement', async (t) => {
  const f = await fn({ 'index.js': COUNTER });
  const first = await invoke(f, 'a', { env: { SECRET: 's1' } });
  const second = await invoke(f, 'b', { env: { SECRET: 's1' } });
  const third = await invoke(f, 'c', { env: { SECRET: 's1' } });
  for (const x of [first, second, third]) t.is(x.outcome.status, 'succeeded', JSON.stringify(x.outcome));
  t.deepEqual([first, second, third].map((x) => resultOf(x.outcome).n), [1, 2, 3]);
  t.is(resultOf(third.outcome).born, resultOf(first.outcome).born, 'the same process');
  t.is(first.outcome.logs, 'event a n 1\n');
  t.is(second.outcome.logs, 'event b n 2\n');
  t.is(third.outcome.logs, 'event c n 3\n');
  t.is(resultOf(second.outcome).id, second.p.executionId, 'FNSTACK_EXECUTION_ID is the event\'s own');
  t.is(resultOf(second.outcome).ctxId, second.p.executionId);
  t.is(resultOf(second.outcome).secret, 's1');
  t.like(first.env.placement, { provider: 'local', warm: false, reuse_count: 0 });
  t.like(third.env.placement, { warm: true, reuse_count: 2 });
});

test.serial('reuse: never across versions or projects', async (t) => {
  const files = { 'index.js': COUNTER };
  const v1 = await fn(files, { functionName: 'iso' });
  const v2 = { ...v1, version: 2, sha: randomUUID() };
  const otherProject = { ...v1, projectId: 'p2' };
  t.is(resultOf((await invoke(v1, 1)).outcome).n, 1);
  t.is(resultOf((await invoke(v1, 2)).outcome).n, 2);
  const a = await invoke(v2, 3);
  const b = await invoke(otherProject, 4);
  t.is(resultOf(a.outcome).n, 1, 'version 2 starts from scratch');
  t.is(resultOf(b.outcome).n, 1, 'the other project starts from scratch');
  t.like(a.env.placement, { warm: false, reuse_count: 0 });
  t.like(b.env.placement, { warm: false, reuse_count: 0 });
  t.is(resultOf((await invoke(v1, 5)).outcome).n, 3);
});

test.serial('reuse: a crash is recorded as crashed and the sandbox is replaced', async (t) => {
  const f = await fn({ 'index.js': `let n = 0; exports.handler = (e) => { n++; if (e.data === 'die') process.exit(7); return n; };` }, { functionName: 'crasher' });
  t.is((await invoke(f, 'ok')).outcome.result, 1);
  const died = await invoke(f, 'die');
  t.is(died.outcome.status, 'failed');
  t.is(died.outcome.failure?.kind, 'crashed', JSON.stringify(died.outcome));
  const pid = (died.env as WarmLease).sandbox.session!.pid!;
  const after = await invoke(f, 'ok');
  t.is(after.outcome.result, 1, 'a new sandbox: module scope starts again');
  t.like(after.env.placement, { warm: false, reuse_count: 0 });
  t.not((after.env as WarmLease).sandbox, (died.env as WarmLease).sandbox);
  t.false(alive(pid));
});

test.serial('reuse: an error thrown from a timer fails its own event and the sandbox is replaced', async (t) => {
  const f = await fn({ 'index.js': `let n = 0; exports.handler = (e) => new Promise((r) => { n++; if (e.data === 'bad') setTimeout(() => { throw new Error('boom'); }, 1); else r(n); });` }, { functionName: 'escaper' });
  const ok = await invoke(f, 'ok');
  t.is(ok.outcome.result, 1, JSON.stringify(ok.outcome));
  const bad = await invoke(f, 'bad');
  t.is(bad.outcome.failure?.kind, 'handler_error', JSON.stringify(bad.outcome));
  t.regex(bad.outcome.failure?.message ?? '', /boom/);
  t.is((await invoke(f, 'ok')).outcome.result, 1);
});

test.serial('reuse: a timeout kills the warm sandbox; the next event gets a fresh one', async (t) => {
  const f = await fn({ 'index.js': `let n = 0; exports.handler = (e) => { n++; return e.data === 'hang' ? new Promise(() => {}) : n; };` }, { functionName: 'hanger' });
  t.is((await invoke(f, 'ok', { timeoutS: 1 })).outcome.result, 1);
  const hung = await invoke(f, 'hang', { timeoutS: 1 });
  t.is(hung.outcome.status, 'timed_out', JSON.stringify(hung.outcome));
  t.is((await invoke(f, 'ok', { timeoutS: 1 })).outcome.result, 1);
});

// A warm event's `started` and `loaded` leave together: they must leave before the handler
// runs, or a handler that never yields would leave the service without a deadline.
test.serial('reuse: a warm event whose handler never yields is timed out; the next event gets a fresh sandbox', async (t) => {
  const f = await fn({ 'index.js': `let n = 0; exports.handler = (e) => { n++; if (e.data === 'spin') for (;;) {} return n; };` }, { functionName: 'spinner' });
  const first = await invoke(f, 'ok', { timeoutS: 1 });
  t.is(first.outcome.result, 1);
  const spun = await invoke(f, 'spin', { timeoutS: 1 });
  t.is(spun.outcome.status, 'timed_out', JSON.stringify(spun.outcome));
  t.like(spun.env.placement, { warm: true });
  t.false(alive((first.env as WarmLease).sandbox.session!.pid!));
  t.is((await invoke(f, 'ok', { timeoutS: 1 })).outcome.result, 1);
});

test.serial('reuse: an idle warm sandbox is released after warmIdleMs', async (t) => {
  const f = await fn({ 'index.js': COUNTER }, { functionName: 'idler' });
  const first = await invoke(f, 1);
  const pid = (first.env as WarmLease).sandbox.session!.pid!;
  t.true(alive(pid));
  await pollUntil('the idle warm sandbox to be released', async () => (alive(pid) ? undefined : true));
  const next = await invoke(f, 2);
  t.is(resultOf(next.outcome).n, 1);
  t.like(next.env.placement, { warm: false, reuse_count: 0 });
});

test.serial('pool: a pre-started sandbox serves exactly one event, with its own variables', async (t) => {
  const f = await fn({ 'index.js': COUNTER }, { functionName: 'pooled', isolation: 'per-event' });
  const shape = params();
  const seen = new Set<number>();
  let preStarted = 0;
  for (let i = 0; i < 4; i++) {
    // Wait for the replacement, so that every event after the first is served from the pool.
    if (i > 0) await pollUntil('a pre-started sandbox', async () => (sb.provider.preStartedCount(shape) > 0 ? true : undefined));
    const { outcome, env } = await invoke(f, i, { env: { SECRET: `s${i}` } });
    t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
    t.is(resultOf(outcome).n, 1, 'module scope is new every time');
    t.is(resultOf(outcome).secret, `s${i}`);
    t.is(outcome.logs, `event ${i} n 1\n`);
    seen.add(resultOf(outcome).born);
    t.like(env.placement, { warm: false, reuse_count: 0 });
    if (env.placement.details.preStarted === true) preStarted++;
  }
  t.is(seen.size, 4, 'four events, four processes');
  t.is(preStarted, 3);
});

test.serial('pool: the warm-up before the event leaves no trace: ESM and CommonJS handlers, logs, module cache, variables', async (t) => {
  const shape = params();
  const probe = `const seen = () => ({ cjs: Object.keys(require.cache).filter((k) => !k.startsWith('/var/task/')), env: Object.keys(process.env).filter((k) => !['LANG', 'PATH', 'PWD', 'HOME', 'TMPDIR', 'FNSTACK_EXECUTION_ID', 'FNSTACK_FUNCTION_NAME', 'FNSTACK_FUNCTION_VERSION'].includes(k)) });`;
  const cases: Array<[string, Record<string, string>]> = [
    ['commonjs', { 'index.js': `${probe}\nexports.handler = async (e) => { console.log('cjs', e.data); return seen(); };` }],
    ['esm', { 'index.mjs': `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${probe}\nexport const handler = async (e) => { console.log('esm', e.data); return seen(); };` }],
  ];
  // The pool fills a shape once an event of that shape was asked for.
  await invoke(await fn({ 'index.js': 'exports.handler = () => 1;' }, { functionName: 'primer', isolation: 'per-event' }), 0);
  // Three rounds: the sandboxes warm the CommonJS loader alone until the ES-module handler ran; those made after that
  // (from the third event's on: each is made once the event before it is over) warm both.
  for (const [name, files] of [...cases, ...cases, ...cases]) {
    await pollUntil('a pre-started sandbox', async () => (sb.provider.preStartedCount(shape) > 0 ? true : undefined));
    const f = await fn(files, { functionName: `trace-${name}`, isolation: 'per-event' });
    const { outcome, env } = await invoke(f, name);
    t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
    t.true(env.placement.details.preStarted === true, name);
    t.is(outcome.logs, `${name === 'esm' ? 'esm' : 'cjs'} ${name}\n`, 'only the function\'s own output');
    t.deepEqual(outcome.result, { cjs: [], env: [] }, 'no module of the runner\'s warm-up in the cache, no variable of its own');
  }
});

test.serial('pool: a pre-started sandbox warms the ES-module loader only while its shape runs ES-module handlers', async (t) => {
  // A shape of its own: the tests before ran ES-module handlers in the default one.
  const memoryMb = 112;
  const shape = params({ memoryMb });
  // Node's internal modules of its ES-module loader that this process has loaded so far, and the arguments the function sees.
  const probe = await fn({ 'index.js': `exports.handler = () => ({ esm: process.moduleLoadList.filter((m) => m.includes('/esm/')).length, argv: process.argv.slice(2) });` }, { functionName: 'loaders', isolation: 'per-event' });
  const esm = await fn({ 'index.mjs': 'export const handler = async () => ({ esm: true });' }, { functionName: 'esm', isolation: 'per-event' });
  const pooled = async (f: Fn) => {
    await pollUntil('a pre-started sandbox', async () => (sb.provider.preStartedCount(shape) > 0 ? true : undefined));
    const { outcome, env } = await invoke(f, null, { memoryMb });
    t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
    t.true(env.placement.details.preStarted === true);
    return outcome.result as { esm: number | true; argv: string[] };
  };
  await invoke(probe, null, { memoryMb }); // the pool fills a shape once an event of that shape was asked for
  const commonjsOnly = await pooled(probe);
  t.deepEqual(commonjsOnly.argv, [], 'the runner\'s own argument is not the function\'s');
  // Its sandbox was started before any ES-module handler ran in this shape: it runs all the same.
  t.deepEqual((await pooled(esm)).esm, true);
  // The sandbox taken next replaced that handler's, once it had finished: it warms both loaders.
  const both = await pooled(probe);
  t.true((both.esm as number) > (commonjsOnly.esm as number), `ES-module loader warmed: ${both.esm} internal modules against ${commonjsOnly.esm}`);
  t.deepEqual(both.argv, []);
});

test.serial('pool: a sandbox still waiting for its event has a small CPU share; the one serving an event has the normal one', async (t) => {
  const shape = params();
  await invoke(await fn({ 'index.js': 'exports.handler = () => 1;' }, { functionName: 'primer', isolation: 'per-event' }), 0);
  await pollUntil('a pre-started sandbox', async () => (sb.provider.preStartedCount(shape) > 0 ? true : undefined));
  const env = await sb.provider.acquire({ ...shape, functionName: 'weighed', isolation: 'per-event' });
  try {
    t.true(env instanceof PooledLease);
    const mine = (env as PooledLease).sandbox.env.parts.cgroup?.dirs.find((d) => existsSync(join(d, 'cpu.shares')) || existsSync(join(d, 'cpu.weight')));
    if (!mine) return t.fail('no cpu cgroup for the sandbox: the tests run as root with the cpu controller');
    const share = (dir: string) => readFileSync(join(dir, existsSync(join(dir, 'cpu.shares')) ? 'cpu.shares' : 'cpu.weight'), 'utf8').trim();
    const [normal, background] = existsSync(join(mine, 'cpu.shares')) ? ['1024', '64'] : ['100', '6'];
    t.is(share(mine), normal, 'taken for an event: the default share');
    await pollUntil('its replacement', async () => (sb.provider.preStartedCount(shape) > 0 ? true : undefined));
    const waiting = readdirSync(dirname(mine)).filter((n) => n.startsWith('pool-') && join(dirname(mine), n) !== mine);
    t.true(waiting.length > 0, 'the replacement has a cgroup of its own');
    for (const n of waiting) t.is(share(join(dirname(mine), n)), background, `${n} waits with a small share`);
  } finally {
    await sb.provider.release(env);
  }
});

test.serial('pool: a pre-started sandbox refuses a second assignment', async (t) => {
  const f = await fn({ 'index.js': COUNTER }, { functionName: 'twice', isolation: 'per-event' });
  const shape = params();
  await invoke(f, 0);
  await pollUntil('a pre-started sandbox', async () => (sb.provider.preStartedCount(shape) > 0 ? true : undefined));
  const p: ProvisioningParams = { ...params(), functionName: 'twice', isolation: 'per-event' };
  const env = await sb.provider.acquire(p);
  try {
    t.true(env.placement.details.preStarted === true);
    const a = assignment(p, 'index.handler', f.dir, { data: 1 });
    t.is((await env.run(a)).status, 'succeeded');
    const again = await env.run({ ...a, executionId: 'ex-again' });
    t.is(again.failure?.kind, 'runner_error');
    t.regex(again.failure?.message ?? '', /already been used/);
  } finally {
    await sb.provider.release(env);
  }
});

test.serial('pool: the warm-up\'s event is gone before the function\'s: a handler named like the runner\'s own runs the tenant\'s code', async (t) => {
  const shape = params();
  // The runner's warm-up loads `warm-up-cjs.handler` from its own directory; a function may name its file the same.
  const f = await fn(
    { 'warm-up-cjs.js': `exports.handler = async (e, ctx) => { console.log('mine'); return { mine: true, data: e.data, ctxId: ctx.executionId, id: process.env.FNSTACK_EXECUTION_ID, cwd: process.cwd() }; };` },
    { functionName: 'namesake', isolation: 'per-event' },
  );
  await invoke(f, 'prime', { handler: 'warm-up-cjs.handler' }); // the pool fills a shape once an event of that shape was asked for
  await pollUntil('a pre-started sandbox', async () => (sb.provider.preStartedCount(shape) > 0 ? true : undefined));
  const { outcome, env, p } = await invoke(f, 'real', { handler: 'warm-up-cjs.handler' });
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.true(env.placement.details.preStarted === true);
  t.deepEqual(outcome.result, { mine: true, data: 'real', ctxId: p.executionId, id: p.executionId, cwd: '/var/task' });
  t.is(outcome.logs, 'mine\n', 'no line of the warm-up in the event\'s logs');
});
