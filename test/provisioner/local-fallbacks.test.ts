/**
 * The sandbox without its root-only layers (no own uid, no mount view, no cgroups), as on
 * a machine where the service does not run as root: Node's permission model and rlimits
 * must still hold on their own.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sandbox, type Sandbox } from './_fixtures.js';

let sb: Sandbox;
test.before(async () => {
  // Without own uids nothing keeps a sandbox off the host's own services: network is refused.
  sb = await sandbox({ isolateUsers: false, cgroup: 'off' }, { network: false });
  await writeFile(join(sb.dataDir, 'fnstack.db'), 'service data');
  // Like the repository's own package.json above a service's data dir: it must not decide
  // the module format of a function's .js files.
  await writeFile(join(sb.dataDir, 'package.json'), '{"type":"module"}');
});
test.after.always(async () => {
  await sb?.close();
});

test('the placement says which layers stand in', async (t) => {
  const { env } = await sb.invoke({ 'index.js': 'exports.handler = () => 1' }, 'index.handler');
  t.is(env.placement.details.memoryLimit, 'heap size + address-space rlimit');
  t.is(env.placement.details.pidsLimit, 'none');
  t.is(env.parts.uid, null);
  t.is(env.placement.details.childProcesses, false);
});

test('the permission model alone keeps the function inside its working directory', async (t) => {
  const { outcome } = await sb.invoke(
    {
      'index.js': `const fs = require('fs');
        exports.handler = (e) => {
          const r = {};
          for (const p of e.data) { try { fs.readFileSync(p); r[p] = 'READ'; } catch (err) { r[p] = err.code; } }
          try { fs.writeFileSync(process.env.TMPDIR + '/ok', 'x'); r.tmp = 'WROTE'; } catch (err) { r.tmp = err.code; }
          try { require('child_process').execSync('id'); r.spawn = 'SPAWNED'; } catch (err) { r.spawn = err.code; }
          return r;
        };`,
    },
    'index.handler',
    { data: [join(sb.dataDir, 'fnstack.db'), '/proc/1/environ', '/etc/passwd'] },
  );
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.deepEqual(outcome.result, {
    [join(sb.dataDir, 'fnstack.db')]: 'ERR_ACCESS_DENIED',
    '/proc/1/environ': 'ERR_ACCESS_DENIED',
    '/etc/passwd': 'ERR_ACCESS_DENIED',
    tmp: 'WROTE',
    spawn: 'ERR_ACCESS_DENIED',
  });
});

test('a buffer bomb under the address-space rlimit is out_of_memory', async (t) => {
  const { outcome } = await sb.invoke(
    { 'index.js': `exports.handler = () => { const keep = []; for (;;) keep.push(Buffer.alloc(32 << 20, 1)); };` },
    'index.handler',
    { memoryMb: 64, timeoutS: 30 },
  );
  t.is(outcome.status, 'failed', JSON.stringify({ ...outcome, logs: outcome.logs.slice(0, 300) }));
  t.is(outcome.failure?.kind, 'out_of_memory');
});

test('a heap bomb under --max-old-space-size is out_of_memory', async (t) => {
  const { outcome } = await sb.invoke(
    { 'index.js': `exports.handler = () => { const keep = []; for (let i = 0; ; i++) keep.push({ i, s: 'x'.repeat(64) + i }); };` },
    'index.handler',
    { memoryMb: 48, timeoutS: 30 },
  );
  t.is(outcome.failure?.kind, 'out_of_memory', JSON.stringify({ ...outcome, logs: outcome.logs.slice(0, 300) }));
});

test('the deadline still kills the run', async (t) => {
  const { outcome } = await sb.invoke({ 'index.js': 'exports.handler = () => { for (;;) {} };' }, 'index.handler', { timeoutS: 1 });
  t.is(outcome.status, 'timed_out');
});

test('a CommonJS handler stays CommonJS under a "type": "module" package.json above the sandbox', async (t) => {
  // Nothing above /var/task is visible inside the sandbox, permission model or not.
  const bare = await sandbox({ isolateUsers: false, cgroup: 'off', permissionModel: false }, { network: false });
  try {
    await writeFile(join(bare.dataDir, 'package.json'), '{"type":"module"}');
    const { outcome } = await bare.invoke({ 'index.js': `exports.handler = () => typeof module.exports;` }, 'index.handler');
    t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
    t.is(outcome.result, 'object');
  } finally {
    await bare.close();
  }
});
