/**
 * What a function must not see or reach from the local sandbox: the service's environment
 * and data dir, other processes, other executions, the network when it has none; and
 * what release must leave behind (nothing).
 */
import test from 'ava';
import net from 'node:net';
import { access, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assignment, isRoot, params, requireCgroups, requireRoot, sandbox, type Sandbox } from './_fixtures.js';
import type { LocalEnvironment } from '../../service/provisioner/local/local-environment.js';
import { processesOf } from '../../service/provisioner/local/uid-reaper.js';
import { reachable } from '../_helpers/requirements.js';

let sb: Sandbox;
test.before(async () => {
  process.env.FNSTACK_TEST_SERVICE_SECRET = 'service-only';
  sb = await sandbox();
  await writeFile(join(sb.dataDir, 'fnstack.db'), 'service data', { mode: 0o644 });
});
test.after.always(async () => {
  await sb?.close();
});

/** A handler that tries `reads` through fs and (where children are allowed) through `cat`. */
const PROBE = `const fs = require('fs');
  const { execFileSync } = require('child_process');
  exports.handler = (event) => {
    const out = {};
    for (const path of event.data.paths) {
      let viaFs, viaCat;
      try { viaFs = 'READ ' + fs.readFileSync(path, 'utf8').slice(0, 40); } catch (e) { viaFs = e.code; }
      try { viaCat = 'READ ' + execFileSync('cat', [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).slice(0, 40); } catch (e) { viaCat = e.code || 'denied'; }
      out[path] = { viaFs, viaCat };
    }
    return out;
  };`;

test('process.env holds exactly the function variables, FNSTACK_* and PATH/HOME/TMPDIR/LANG/PWD', async (t) => {
  const { outcome, env } = await sb.invoke({ 'index.js': 'exports.handler = () => process.env;' }, 'index.handler', {
    env: { MY_VAR: 'mine', NODE_OPTIONS: '--allow-fs-read=*' },
  });
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  const seen = outcome.result as Record<string, string>;
  t.deepEqual(Object.keys(seen).sort(), ['FNSTACK_EXECUTION_ID', 'FNSTACK_FUNCTION_NAME', 'FNSTACK_FUNCTION_VERSION', 'HOME', 'LANG', 'MY_VAR', 'PATH', 'PWD', 'TMPDIR']);
  t.is(seen.PWD, '/var/task');
  t.is(seen.MY_VAR, 'mine');
  t.is(seen.TMPDIR, '/tmp');
  void env;
  t.is(seen.HOME, seen.TMPDIR);
  t.is(seen.FNSTACK_TEST_SERVICE_SECRET, undefined);
});

test("the service's data dir, the host's /proc/1/environ and the service's own environ cannot be read", async (t) => {
  // Inside its pid namespace /proc/1 is the sandbox's own init: it must hold nothing of the service's.
  const own = await sb.invoke({ 'index.js': `exports.handler = () => require('fs').readFileSync('/proc/1/environ', 'latin1');` }, 'index.handler');
  t.false(String(own.outcome.result ?? own.outcome.failure?.message).includes('service-only'), 'the service environment is not in the sandbox init');
  const paths = [join(sb.dataDir, 'fnstack.db'), `/proc/${process.pid}/environ`];
  const { outcome } = await sb.invoke({ 'index.js': PROBE }, 'index.handler', { data: { paths } });
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  const r = outcome.result as Record<string, { viaFs: string; viaCat: string }>;
  for (const p of paths) {
    t.false(r[p]?.viaFs.startsWith('READ'), `fs read ${p}`);
    t.false(r[p]?.viaCat.startsWith('READ'), `cat read ${p}`);
  }
});

test('the function cannot change its code (hard links into the shared code cache)', async (t) => {
  const { outcome } = await sb.invoke(
    {
      'index.js': `const fs = require('fs'); const { execSync } = require('child_process');
        exports.handler = () => {
          const r = {};
          try { fs.writeFileSync(__filename, 'hacked'); r.fs = 'WROTE'; } catch (e) { r.fs = e.code; }
          try { fs.chmodSync(__filename, 0o666); r.chmod = 'CHMOD'; } catch (e) { r.chmod = e.code; }
          try { execSync('chmod 666 ' + __filename + '; echo hacked > ' + __filename, { stdio: 'ignore' }); r.shell = 'WROTE'; } catch { r.shell = 'denied'; }
          return r;
        };`,
    },
    'index.handler',
  );
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.deepEqual(outcome.result, { fs: 'ERR_ACCESS_DENIED', chmod: 'ERR_ACCESS_DENIED', shell: 'denied' });
  const cache = join(sb.dataDir, 'code');
  for (const dir of await readdir(cache)) {
    const text = await readFile(join(cache, dir, 'index.js'), 'utf8').catch(() => '');
    t.false(text.startsWith('hacked'), `cache file ${dir}/index.js was changed`);
  }
});

test("two executions at once cannot see each other's directories or processes", async (t) => {
  if (!requireRoot(t)) return;
  const pa = params();
  const pb = params();
  const [ea, eb] = (await Promise.all([sb.provider.acquire(pa), sb.provider.acquire(pb)])) as LocalEnvironment[];
  try {
    const dirA = ea!.parts.workdir.root;
    const secretA = join(ea!.parts.workdir.tmpDir, 'secret.txt');
    const codeA = await sb.code({
      'index.js': `const fs = require('fs');
        exports.handler = async () => { fs.writeFileSync(process.env.TMPDIR + '/secret.txt', 'A secret'); await new Promise((r) => setTimeout(r, 1500)); return 'A done'; };`,
    });
    const codeB = await sb.code({
      'index.js': PROBE.replace('return out;', `out.procs = execFileSync('ls', ['/proc'], { encoding: 'utf8' }).split('\\n').filter((n) => /^\\d+$/.test(n)).length; return out;`),
    });
    const runA = ea!.run(assignment(pa, 'index.handler', codeA));
    await waitFor(() => access(secretA).then(() => true, () => false));
    const paths = [secretA, join(dirA, 'code', 'index.js'), dirA];
    const ob = await eb!.run(assignment(pb, 'index.handler', codeB, { data: { paths } }));
    const oa = await runA;
    t.is(oa.status, 'succeeded', JSON.stringify(oa));
    t.is(ob.status, 'succeeded', JSON.stringify(ob));
    const r = ob.result as Record<string, { viaFs: string; viaCat: string }> & { procs: number };
    for (const p of paths) {
      t.false(r[p]?.viaFs.startsWith('READ'), `fs read ${p}: ${r[p]?.viaFs}`);
      t.false(r[p]?.viaCat.startsWith('READ'), `cat read ${p}: ${r[p]?.viaCat}`);
    }
    t.true(r.procs <= 3, `B sees ${r.procs} processes in /proc`);
    t.not(ea!.parts.uid, eb!.parts.uid);
  } finally {
    await Promise.all([sb.provider.release(ea!), sb.provider.release(eb!)]);
  }
});

test('/tmp inside the sandbox is the execution’s own', async (t) => {
  if (!requireRoot(t)) return;
  const hostFile = `/tmp/fnstack-host-file-${process.pid}`;
  await writeFile(hostFile, 'host');
  try {
    const { outcome } = await sb.invoke(
      { 'index.js': `const fs = require('fs'); exports.handler = () => { fs.writeFileSync('/tmp/mine', '1'); return fs.readdirSync('/tmp'); };` },
      'index.handler',
      {
        beforeRelease: async (e) => {
          t.is(await readFile(join(e.parts.workdir.tmpDir, 'mine'), 'utf8'), '1');
        },
      },
    );
    t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
    // Wherever the checkout is: the runner is read from its own copy, nothing else is in /tmp.
    t.deepEqual(outcome.result, ['mine'], 'the host file is not visible, the own one is');
    await t.throwsAsync(access('/tmp/mine'));
  } finally {
    await rm(hostFile, { force: true });
  }
});

test('network: false leaves only a downed loopback; network: true has the host network but not its local services', async (t) => {
  const server = net.createServer((s) => s.on('error', () => undefined).end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const code = {
    'index.js': `const net = require('net');
      const connect = (port) => new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.setTimeout(2000, () => { s.destroy(); resolve('TIMEOUT'); });
        s.once('connect', () => { s.destroy(); resolve('CONNECTED'); });
        s.once('error', (e) => resolve(e.code));
      });
      const ifaces = () => Object.keys(require('os').networkInterfaces()).filter((n) => n !== 'lo');
      exports.handler = async (e) => ({ test: await connect(e.data.port), amqp: await connect(5672), ifaces: ifaces() });`,
  };
  try {
    const off = await sb.invoke(code, 'index.handler', { network: false, data: { port } });
    const on = await sb.invoke(code, 'index.handler', { network: true, data: { port } });
    t.is(off.outcome.status, 'succeeded', JSON.stringify(off.outcome));
    const r = off.outcome.result as { test: string; amqp: string };
    t.regex(r.test, /^E(NETUNREACH|CONNREFUSED)$/);
    t.regex(r.amqp, /^E(NETUNREACH|CONNREFUSED)$/);
    t.is(off.env.placement.details.network, 'none');
    t.deepEqual((off.outcome.result as { ifaces: string[] }).ifaces, [], 'no interface but a downed loopback');
    const onR = on.outcome.result as { test: string; amqp: string; ifaces: string[] };
    t.true(onR.ifaces.length > 0, 'the host network interfaces are there');
    // The host's own services stay out of reach even with network: true (host-services guard, as root).
    if (sb.provider['uids']) {
      t.is(on.env.placement.details.network, 'internet, no host-local services');
      t.is(onR.test, 'ECONNREFUSED', 'a server of the host on 127.0.0.1 is refused');
      if (await reachable('127.0.0.1', 5672)) t.is(onR.amqp, 'ECONNREFUSED', 'the host broker is refused');
    } else {
      t.is(onR.test, 'CONNECTED');
    }
  } finally {
    server.close();
  }
});

test('release kills what is left and removes the directory and the cgroups', async (t) => {
  if (!(await requireCgroups(t, sb.provider))) return;
  let pid = 0;
  const { outcome, env } = await sb.invoke(
    { 'index.js': `exports.handler = () => { setInterval(() => {}, 1000); return process.pid; };` },
    'index.handler',
    { beforeRelease: async (_e, o) => void (pid = o.result as number) },
  );
  t.is(outcome.status, 'succeeded');
  t.true(pid > 0);
  for (const dir of [env.parts.workdir.root, ...(env.parts.cgroup?.dirs ?? [])]) {
    await t.throwsAsync(access(dir), undefined, `${dir} is left over`);
  }
  if (isRoot) t.is(await processesOf(env.parts.uid!), 0);
  await t.notThrowsAsync(sb.provider.release(env), 'release is idempotent');
});

test('an environment runs once; a second run is refused as a runner_error', async (t) => {
  const p = params();
  const env = (await sb.provider.acquire(p)) as LocalEnvironment;
  try {
    const code = await sb.code({ 'index.js': 'exports.handler = () => 1' });
    t.is((await env.run(assignment(p, 'index.handler', code))).status, 'succeeded');
    const again = await env.run(assignment(p, 'index.handler', code));
    t.is(again.failure?.kind, 'runner_error');
  } finally {
    await sb.provider.release(env);
  }
});

async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
