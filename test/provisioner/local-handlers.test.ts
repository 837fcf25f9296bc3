/** Loading and calling handlers in the real local sandbox: formats, paths, and the failure kinds. */
import test from 'ava';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assignment, params, sandbox, type Sandbox } from './_fixtures.js';

let sb: Sandbox;
test.before(async () => {
  sb = await sandbox();
  // Like the repository's own package.json above a service's data dir: it must not decide
  // the module format of a function's .js files.
  await writeFile(join(sb.dataDir, 'package.json'), '{"type":"module"}');
});
test.after.always(async () => {
  await sb?.close();
});

test('a CommonJS handler gets the event and the context and its result comes back', async (t) => {
  const { outcome } = await sb.invoke(
    {
      'index.js': `exports.handler = async (event, ctx) => {
        console.log('hello from', ctx.functionName);
        return { data: event.data, name: ctx.functionName, version: ctx.functionVersion, id: ctx.executionId,
          mem: ctx.memoryLimitMb, left: ctx.getRemainingTimeMs(), deadline: ctx.deadline };
      };`,
    },
    'index.handler',
    { data: { n: 42 }, memoryMb: 96 },
  );
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  const r = outcome.result as Record<string, unknown>;
  t.deepEqual(r.data, { n: 42 });
  t.is(r.name, 'fn');
  t.is(r.version, 1);
  t.regex(String(r.id), /^ex-/);
  t.is(r.mem, 96);
  t.true((r.left as number) > 0 && (r.left as number) <= 10_000);
  t.is(outcome.logs, 'hello from fn\n');
  t.false(outcome.logsTruncated);
  t.true((outcome.peakMemoryBytes ?? 0) > 0);
});

test('a one-run sandbox leaves nothing of the runner in require.cache or process.argv', async (t) => {
  const { outcome } = await sb.invoke(
    { 'index.js': `exports.handler = () => ({ cached: Object.keys(require.cache).filter((k) => !k.startsWith('/var/task/')), argv: process.argv.slice(2) });` },
    'index.handler',
  );
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.deepEqual(outcome.result, { cached: [], argv: [] });
});

test('an ESM .mjs handler is imported', async (t) => {
  const { outcome } = await sb.invoke({ 'index.mjs': `export const handler = async () => ({ esm: typeof require === 'undefined' });` }, 'index.handler');
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.deepEqual(outcome.result, { esm: true });
});

test('a .js handler in a package with "type": "module" is imported as ESM', async (t) => {
  const { outcome } = await sb.invoke(
    {
      'package.json': JSON.stringify({ name: 'm', type: 'module' }),
      'index.js': `import { helper } from './lib/helper.js'; export async function handler() { return helper(); }`,
      'lib/helper.js': `export const helper = () => ({ esm: typeof module === 'undefined', url: import.meta.url.startsWith('file:') });`,
    },
    'index.handler',
  );
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.deepEqual(outcome.result, { esm: true, url: true });
});

test('a .js handler without package.json is CommonJS whatever lies above the sandbox', async (t) => {
  const { outcome } = await sb.invoke({ 'index.js': `module.exports.handler = () => typeof require;` }, 'index.handler');
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.is(outcome.result, 'function');
});

test('a nested handler path lib/app.main loads lib/app.js and its dependencies in node_modules', async (t) => {
  const { outcome } = await sb.invoke(
    {
      'package.json': '{"name":"app"}',
      'lib/app.js': `const dep = require('dep'); exports.main = (e) => dep.twice(e.data);`,
      'node_modules/dep/package.json': '{"name":"dep","main":"main.js"}',
      'node_modules/dep/main.js': `exports.twice = (x) => x * 2;`,
    },
    'lib/app.main',
    { data: 21 },
  );
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.is(outcome.result, 42);
});

test('a .cjs handler is required', async (t) => {
  const { outcome } = await sb.invoke({ 'package.json': '{"type":"module"}', 'h.cjs': `exports.run = () => 'cjs';` }, 'h.run');
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.is(outcome.result, 'cjs');
});

test('undefined becomes null', async (t) => {
  const { outcome } = await sb.invoke({ 'index.js': `exports.handler = () => {};` }, 'index.handler');
  t.is(outcome.status, 'succeeded');
  t.is(outcome.result, null);
});

for (const [title, files, handler, pattern] of [
  ['a missing file', { 'other.js': 'exports.handler = () => 1' }, 'index.handler', /index\.js, index\.mjs, index\.cjs/],
  ['a missing export', { 'index.js': 'exports.other = () => 1' }, 'index.handler', /handler 'handler' not found in index\.js; the module exports: other/],
  ['a syntax error', { 'index.js': 'exports.handler = () => {{' }, 'index.handler', /SyntaxError/],
  ['an ESM syntax error', { 'index.mjs': 'export const handler = () => ;' }, 'index.handler', /SyntaxError/],
  ['a throw at module top level', { 'index.js': 'throw new Error("top-level boom")' }, 'index.handler', /top-level boom/],
] as const) {
  test(`${title} is a load_error, not a handler_error`, async (t) => {
    const { outcome } = await sb.invoke(files, handler);
    t.is(outcome.status, 'failed');
    t.is(outcome.failure?.kind, 'load_error', JSON.stringify(outcome));
    t.regex(outcome.failure?.message ?? '', pattern);
  });
}

test('a load_error for broken code carries the stack', async (t) => {
  const { outcome } = await sb.invoke({ 'index.js': 'function f() { throw new RangeError("deep") }\nf();' }, 'index.handler');
  t.is(outcome.failure?.kind, 'load_error');
  t.regex(outcome.failure?.stack ?? '', /RangeError: deep\n\s+at f \(.*index\.js:1/);
});

test('a thrown error is a handler_error with message and stack', async (t) => {
  const { outcome } = await sb.invoke({ 'index.js': `exports.handler = () => { throw new TypeError('bad input'); };` }, 'index.handler');
  t.is(outcome.status, 'failed');
  t.is(outcome.failure?.kind, 'handler_error');
  t.is(outcome.failure?.message, 'TypeError: bad input');
  t.regex(outcome.failure?.stack ?? '', /index\.js:1/);
});

test('a rejected promise is a handler_error', async (t) => {
  const { outcome } = await sb.invoke({ 'index.mjs': `export const handler = async () => { await null; throw new Error('async boom'); };` }, 'index.handler');
  t.is(outcome.failure?.kind, 'handler_error');
  t.is(outcome.failure?.message, 'Error: async boom');
  t.truthy(outcome.failure?.stack);
});

test('an error thrown later from a timer while the handler waits is a handler_error', async (t) => {
  const { outcome } = await sb.invoke(
    { 'index.js': `exports.handler = () => { setTimeout(() => { throw new Error('from a timer'); }, 10); return new Promise(() => {}); };` },
    'index.handler',
  );
  t.is(outcome.failure?.kind, 'handler_error');
  t.is(outcome.failure?.message, 'Error: from a timer');
});

for (const [what, expr, pattern] of [
  ['a function', '({ ok: 1, cb() {} })', /result\.cb is a function/],
  ['a BigInt', '({ n: [1n] })', /result\.n\[0\] is a BigInt/],
  ['a cycle', '(() => { const a = { b: {} }; a.b.a = a; return a; })()', /result\.b\.a refers back/],
] as const) {
  test(`a result holding ${what} is result_not_serializable`, async (t) => {
    const { outcome } = await sb.invoke({ 'index.js': `exports.handler = () => ${expr};` }, 'index.handler');
    t.is(outcome.status, 'failed');
    t.is(outcome.failure?.kind, 'result_not_serializable', JSON.stringify(outcome));
    t.regex(outcome.failure?.message ?? '', pattern);
  });
}

test('process.exit(3) is a crash with its exit code', async (t) => {
  const { outcome } = await sb.invoke({ 'index.js': `exports.handler = () => { console.log('bye'); process.exit(3); };` }, 'index.handler');
  t.is(outcome.status, 'failed');
  t.is(outcome.failure?.kind, 'crashed');
  t.is(outcome.exitCode, 3);
  t.is(outcome.logs, 'bye\n');
});

test('process.abort() is a crash with its signal', async (t) => {
  const { outcome } = await sb.invoke({ 'index.js': `exports.handler = () => process.abort();` }, 'index.handler');
  t.is(outcome.failure?.kind, 'crashed');
  t.is(outcome.signal, 'SIGABRT');
  t.regex(outcome.failure?.message ?? '', /SIGABRT/);
});

test('stdout and stderr are interleaved in the order they were written', async (t) => {
  const { outcome } = await sb.invoke(
    { 'index.js': `exports.handler = () => { for (let i = 0; i < 5; i++) { console.log('out ' + i); console.error('err ' + i); } return 1; };` },
    'index.handler',
  );
  t.is(outcome.logs, [0, 1, 2, 3, 4].map((i) => `out ${i}\nerr ${i}\n`).join(''));
});

test('links inside the package (node_modules/.bin, a linked handler file) are there in the sandbox', async (t) => {
  const code = await sb.code({ 'lib/real.js': `exports.handler = () => require('fs').readlinkSync('/var/task/index.js');` });
  await symlink('lib/real.js', join(code, 'index.js'));
  const p = params();
  const env = await sb.provider.acquire(p);
  try {
    const outcome = await env.run(assignment(p, 'index.handler', code));
    t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
    t.is(outcome.result, 'lib/real.js');
  } finally {
    await sb.provider.release(env);
  }
});
